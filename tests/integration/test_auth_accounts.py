"""SigV4 and accounts end to end: configured and zero-config modes, with real clients."""
import datetime
import os
import subprocess
import urllib.request
from unittest import mock

import botocore.auth
import botocore.awsrequest
import botocore.credentials
import pytest
from botocore.exceptions import ClientError

from conftest import client
from fanoutd_process import Fanoutd, free_port

ACCOUNT_A = ("AKIDACCOUNTA", "secret-a", "111111111111")
ACCOUNT_B = ("AKIDACCOUNTB", "secret-b", "222222222222")


@pytest.fixture(scope="module")
def configured():
    server = Fanoutd("--credential", ":".join(ACCOUNT_A), durability="memory",
                     env={"FANOUT_CREDENTIALS": ":".join(ACCOUNT_B)})
    server.start()
    yield server
    server.close()


def error_code(call):
    with pytest.raises(ClientError) as info:
        call()
    return info.value.response["Error"]["Code"], info.value.response["ResponseMetadata"]["HTTPStatusCode"]


def test_unknown_key_is_invalid_client_token_id(configured):
    sqs = client("sqs", configured.endpoint, key="AKIDNOBODY", secret="x")
    assert error_code(sqs.list_queues) == ("InvalidClientTokenId", 403)


def test_wrong_secret_is_signature_does_not_match(configured):
    sqs = client("sqs", configured.endpoint, key=ACCOUNT_A[0], secret="wrong")
    assert error_code(sqs.list_queues) == ("SignatureDoesNotMatch", 403)


def test_unsigned_request_is_missing_authentication_token(configured):
    req = urllib.request.Request(configured.endpoint + "/", data=b"Action=ListQueues&Version=2012-11-05",
                                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(req, timeout=5)
    assert info.value.code == 403
    assert b"<Code>MissingAuthenticationToken</Code>" in info.value.read()


def signed_list_queues(endpoint, key, secret, when):
    creds = botocore.credentials.Credentials(key, secret)
    request = botocore.awsrequest.AWSRequest(method="POST", url=endpoint + "/",
                                             data="Action=ListQueues&Version=2012-11-05",
                                             headers={"Content-Type": "application/x-www-form-urlencoded"})
    # botocore >= 1.34 reads the time through get_current_datetime(); older ones call utcnow().
    if hasattr(botocore.auth, "get_current_datetime"):
        with mock.patch("botocore.auth.get_current_datetime", return_value=when):
            botocore.auth.SigV4Auth(creds, "sqs", "us-east-1").add_auth(request)
    else:
        with mock.patch("botocore.auth.datetime") as fake:
            fake.datetime.utcnow.return_value = when
            botocore.auth.SigV4Auth(creds, "sqs", "us-east-1").add_auth(request)
    prepared = request.prepare()
    req = urllib.request.Request(prepared.url, data=prepared.body.encode(), headers=dict(prepared.headers),
                                 method="POST")
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def test_clock_skew_beyond_fifteen_minutes_is_rejected(configured):
    now = datetime.datetime.utcnow()
    status, body = signed_list_queues(configured.endpoint, ACCOUNT_A[0], ACCOUNT_A[1], now)
    assert status == 200, body
    status, body = signed_list_queues(configured.endpoint, ACCOUNT_A[0], ACCOUNT_A[1],
                                      now - datetime.timedelta(minutes=20))
    assert status == 403 and b"RequestTimeTooSkewed" in body, body
    status, body = signed_list_queues(configured.endpoint, ACCOUNT_A[0], ACCOUNT_A[1],
                                      now + datetime.timedelta(minutes=20))
    assert status == 403 and b"RequestTimeTooSkewed" in body, body


def test_accounts_do_not_see_each_other(configured, unique):
    a = client("sqs", configured.endpoint, key=ACCOUNT_A[0], secret=ACCOUNT_A[1])
    b = client("sqs", configured.endpoint, key=ACCOUNT_B[0], secret=ACCOUNT_B[1])
    name = unique("private")
    url = a.create_queue(QueueName=name)["QueueUrl"]
    assert f"/{ACCOUNT_A[2]}/{name}" in url
    assert url not in b.list_queues().get("QueueUrls", [])
    assert error_code(lambda: b.get_queue_url(QueueName=name))[0] == "AWS.SimpleQueueService.NonExistentQueue"
    assert error_code(lambda: b.get_queue_url(QueueName=name, QueueOwnerAWSAccountId=ACCOUNT_A[2]))[0] == \
        "AWS.SimpleQueueService.NonExistentQueue"
    assert error_code(lambda: b.send_message(QueueUrl=url, MessageBody="x"))[0] == \
        "AWS.SimpleQueueService.NonExistentQueue"
    # The same name in account B is a different queue.
    url_b = b.create_queue(QueueName=name)["QueueUrl"]
    assert f"/{ACCOUNT_B[2]}/{name}" in url_b
    a.send_message(QueueUrl=url, MessageBody="for a")
    assert "Messages" not in b.receive_message(QueueUrl=url_b, WaitTimeSeconds=0)


def test_debian_awscli_is_verified_too(configured):
    env = dict(os.environ, AWS_ACCESS_KEY_ID=ACCOUNT_A[0], AWS_SECRET_ACCESS_KEY="wrong",
               AWS_DEFAULT_REGION="us-east-1", AWS_PAGER="", AWS_CONFIG_FILE="/dev/null",
               AWS_SHARED_CREDENTIALS_FILE="/dev/null")
    out = subprocess.run(["/usr/bin/aws", "--endpoint-url", configured.endpoint, "sqs", "list-queues"],
                         env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode != 0
    assert "SignatureDoesNotMatch" in out.stderr


def test_zero_config_accepts_dummy_keys_and_numeric_key_selects_account(unique):
    with Fanoutd(durability="memory") as server:
        sqs = client("sqs", server.endpoint, key="test", secret="test")
        url = sqs.create_queue(QueueName=unique("zc"))["QueueUrl"]
        assert "/000000000000/" in url
        other = client("sqs", server.endpoint, key="123456789012", secret="whatever")
        url2 = other.create_queue(QueueName=unique("zc"))["QueueUrl"]
        assert "/123456789012/" in url2


def test_zero_config_refuses_non_loopback_listen():
    port = free_port()
    out = subprocess.run([os.environ.get("FANOUTD_BIN", "fanoutd"), "--listen", f"0.0.0.0:{port}",
                          "--durability", "memory"], capture_output=True, text=True, timeout=10,
                         env={k: v for k, v in os.environ.items() if k != "FANOUT_CREDENTIALS"})
    assert out.returncode != 0
    assert "non-loopback" in (out.stdout + out.stderr)


def test_yaml_config_file(tmp_path):
    config = tmp_path / "fanout.yaml"
    config.write_text("credentials:\n  - access_key_id: AKIDYAML\n    secret_access_key: yaml-secret\n"
                      "    account_id: '333333333333'\n")
    with Fanoutd("--config", str(config), durability="memory") as server:
        good = client("sqs", server.endpoint, key="AKIDYAML", secret="yaml-secret")
        good.list_queues()
        bad = client("sqs", server.endpoint, key="test", secret="test")
        assert error_code(bad.list_queues) == ("InvalidClientTokenId", 403)


def test_unknown_operations_get_aws_errors(fanoutd):
    req = urllib.request.Request(fanoutd.endpoint + "/", data=b"Action=FlyToTheMoon&Version=2012-11-05",
                                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(req, timeout=5)
    assert info.value.code == 400 and b"<Code>InvalidAction</Code>" in info.value.read()
    req = urllib.request.Request(fanoutd.endpoint + "/", data=b"{}",
                                 headers={"Content-Type": "application/x-amz-json-1.0",
                                          "X-Amz-Target": "AmazonSQS.FlyToTheMoon"})
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(req, timeout=5)
    assert info.value.code == 400 and b"UnknownOperationException" in info.value.read()
