"""fanout_client (the C++ AWS client library) against a real fanoutd: every operation once through
tests/unit/client/client_smoke, with the resources made and the results checked by boto3. SQS
MD5s of bodies and String/Number/Binary attributes are verified by the client against what the
server computed; S3 keys with '=' ' ' and UTF-8 travel SigV4-signed and unnormalised."""
import hashlib
import json
import os
import subprocess
import time
import uuid

import boto3

from conftest import client
from fanoutd_process import TlsFanoutd, self_signed_certificate

BUILD_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.environ.get("FANOUTD_BIN", "fanoutd"))))
SMOKE = os.environ.get("FANOUT_CLIENT_SMOKE_BIN", os.path.join(BUILD_DIR, "tests", "unit", "client", "client_smoke"))


def make_resources(sqs, s3, firehose):
    """A queue, a bucket and an ACTIVE DirectPut delivery stream into the bucket."""
    suffix = uuid.uuid4().hex[:8]
    queue_url = sqs.create_queue(QueueName=f"client-{suffix}")["QueueUrl"]
    bucket = f"client-{suffix}"
    s3.create_bucket(Bucket=bucket)
    stream = f"client-{suffix}"
    firehose.create_delivery_stream(
        DeliveryStreamName=stream, DeliveryStreamType="DirectPut",
        ExtendedS3DestinationConfiguration={"RoleARN": "arn:aws:iam::000000000000:role/firehose",
                                            "BucketARN": f"arn:aws:s3:::{bucket}",
                                            "BufferingHints": {"IntervalInSeconds": 60, "SizeInMBs": 1}})
    # As on AWS, records go to an ACTIVE stream.
    deadline = time.time() + 20
    while firehose.describe_delivery_stream(DeliveryStreamName=stream)["DeliveryStreamDescription"][
            "DeliveryStreamStatus"] != "ACTIVE":
        assert time.time() < deadline, "delivery stream never became ACTIVE"
        time.sleep(0.1)
    return queue_url, bucket, stream


def smoke_env(endpoint, home, **extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update({"HOME": str(home), "AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": "test",
                "AWS_SECRET_ACCESS_KEY": "test", "AWS_REGION": "us-east-1", **extra})
    return env


def test_every_operation_against_fanoutd(fanoutd, tmp_path):
    sqs, s3, firehose = (client(s, fanoutd.endpoint) for s in ("sqs", "s3", "firehose"))
    queue_url, bucket, stream = make_resources(sqs, s3, firehose)
    env = smoke_env(fanoutd.endpoint, tmp_path)
    run = subprocess.run([SMOKE, "--queue-url", queue_url, "--bucket", bucket, "--stream", stream], env=env,
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stdout + run.stderr
    out = json.loads(run.stdout)

    assert out["send"]["md5_of_body"] == hashlib.md5("single ü".encode()).hexdigest()
    assert len(out["send"]["md5_of_attributes"]) == 32
    assert out["send_batch_ok"] == 2 and out["send_batch_failed"] == 0
    assert sorted(m["body"] for m in out["received"]) == ["batch a", "batch b", "single ü"]
    assert all(m["receive_count"] == "1" for m in out["received"])
    assert sorted(m["attributes"] for m in out["received"]) == [0, 3, 3]
    assert all(m.get("blob_hex", True) for m in out["received"])
    assert out["deleted_batch"] == 2
    assert out["queue_attributes"] >= 10
    assert out["missing_queue_error"]["code"] == "AWS.SimpleQueueService.NonExistentQueue"
    assert out["missing_queue_error"]["status"] == 400
    attrs = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["All"])["Attributes"]
    assert attrs["ApproximateNumberOfMessages"] == "0" and attrs["ApproximateNumberOfMessagesNotVisible"] == "0"

    key = "landing_date=2026-11-28/events ü.json"
    assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == b'{"k":1}\n'
    assert out["get_body"] == '{"k":1}\n'
    assert out["put_etag"] == out["get_etag"] == s3.head_object(Bucket=bucket, Key=key)["ETag"]
    assert key in out["list"]
    assert out["missing_key_error"]["code"] == "NoSuchKey" and out["missing_key_error"]["status"] == 404

    assert out["record_id"]
    assert out["batch_failed"] == 0 and out["batch_records"] == 2

    assert out["describe_missing"]["code"] == "ValidationError"
    assert out["describe_missing"]["status"] == 400


def test_https_verifies_the_server_certificate(tmp_path, monkeypatch):
    """HTTPS with certificate verification: a fanoutd serving a self-signed certificate is
    refused by default and accepted once AWS_CA_BUNDLE names the certificate."""
    key, cert = self_signed_certificate(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # for the health check in Fanoutd.start()
    with TlsFanoutd("--tls-cert", str(cert), "--tls-key", str(key)) as server:
        clients = [boto3.client(s, endpoint_url=server.endpoint, region_name="us-east-1", aws_access_key_id="test",
                                aws_secret_access_key="test", verify=str(cert)) for s in ("sqs", "s3", "firehose")]
        queue_url, bucket, stream = make_resources(*clients)
        args = [SMOKE, "--queue-url", queue_url, "--bucket", bucket, "--stream", stream]
        refused = subprocess.run(args, env=smoke_env(server.endpoint, tmp_path), capture_output=True, text=True,
                                 timeout=60)
        assert refused.returncode == 1
        assert "SSL" in json.loads(refused.stdout)["fatal"]
        trusted = subprocess.run(args, env=smoke_env(server.endpoint, tmp_path, AWS_CA_BUNDLE=str(cert)),
                                 capture_output=True, text=True, timeout=60)
        assert trusted.returncode == 0, trusted.stdout + trusted.stderr
        assert json.loads(trusted.stdout)["get_body"] == '{"k":1}\n'
