"""The web console's JSON API and LocalStack's SQS peek endpoint, against a real fanoutd, with
boto3 making the traffic the console must show: counts, activity counters, peeks that change
nothing, sends, purges, topics, Firehose deliveries, bucket browsing, stacks; and in configured
mode, logins, SigV4-signed calls and account isolation."""
import datetime
import gzip
import json
import time
import xml.etree.ElementTree as ET

import botocore.auth
import botocore.awsrequest
import botocore.credentials
import pytest
import requests

from conftest import client
from fanoutd_process import Fanoutd

ACCOUNT_A = ("AKIDCONSOLEA", "secret-a", "111111111111")
ACCOUNT_B = ("AKIDCONSOLEB", "secret-b", "222222222222")
SQS_NS = "{http://queue.amazonaws.com/doc/2012-11-05/}"


@pytest.fixture(scope="module")
def server():
    with Fanoutd(durability="memory") as s:
        yield s


@pytest.fixture(scope="module")
def configured():
    with Fanoutd("--credential", ":".join(ACCOUNT_A), "--credential", ":".join(ACCOUNT_B),
                 durability="memory") as s:
        yield s


def api(server, path, method="GET", session=None, **kwargs):
    return (session or requests).request(method, server.endpoint + "/_fanout/api/" + path, timeout=15, **kwargs)


def wait_for(predicate, timeout=10.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("condition not met in time")


def queue_entry(server, name, session=None):
    r = api(server, "queues", session=session)
    assert r.status_code == 200, r.text
    return next((q for q in r.json() if q["name"] == name), None)


# ---------- pages and the browser redirect ----------

def test_a_browser_opening_root_is_sent_to_the_console_but_list_buckets_still_works(server, unique):
    r = requests.get(server.endpoint + "/", headers={"Accept": "text/html,application/xhtml+xml"},
                     allow_redirects=False, timeout=5)
    assert r.status_code == 302 and r.headers["Location"] == "/_fanout/console/"
    s3 = client("s3", server.endpoint)
    bucket = unique("root")
    s3.create_bucket(Bucket=bucket)
    assert bucket in [b["Name"] for b in s3.list_buckets()["Buckets"]]


def test_console_pages_are_served_from_the_binary(server):
    r = requests.get(server.endpoint + "/_fanout/console", allow_redirects=False, timeout=5)
    assert r.status_code == 301 and r.headers["Location"] == "/_fanout/console/"
    page = requests.get(server.endpoint + "/_fanout/console/", timeout=5)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert "<title>Fanout console</title>" in page.text
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    chart = requests.get(server.endpoint + "/_fanout/console/vendor/uPlot.iife.min.js", timeout=5)
    assert chart.status_code == 200 and "uPlot" in chart.text
    assert requests.get(server.endpoint + "/_fanout/console/nope.js", timeout=5).status_code == 404


def test_open_mode_session_is_the_default_account(server):
    r = api(server, "session")
    assert r.json() == {"authenticated": True, "mode": "open", "account": "000000000000", "accessKeyId": "",
                        "region": "us-east-1"}


# ---------- queues ----------

def test_queue_counts_and_activity_follow_the_traffic(server, unique):
    sqs = client("sqs", server.endpoint)
    name = unique("counts")
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    for i in range(3):
        sqs.send_message(QueueUrl=url, MessageBody=f"m{i}")
    q = queue_entry(server, name)
    assert q["attributes"]["ApproximateNumberOfMessages"] == "3"
    assert q["activity"]["sent"] == 3 and q["activity"]["received"] == 0
    assert q["activity"]["oldestSentMs"] > 0
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=2)["Messages"]
    sqs.delete_message(QueueUrl=url, ReceiptHandle=got[0]["ReceiptHandle"])
    q = queue_entry(server, name)
    assert q["attributes"]["ApproximateNumberOfMessages"] == "1"
    assert q["attributes"]["ApproximateNumberOfMessagesNotVisible"] == "1"
    assert q["activity"] == {"sent": 3, "received": 2, "deleted": 1, "oldestSentMs": q["activity"]["oldestSentMs"]}


def test_queue_page_shows_attributes_dead_letter_links_and_tags(server, unique):
    sqs = client("sqs", server.endpoint)
    dlq = unique("dlq")
    dlq_url = sqs.create_queue(QueueName=dlq)["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    src = unique("src")
    sqs.create_queue(QueueName=src, tags={"team": "orders"}, Attributes={
        "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "2"})})
    page = api(server, "queues/" + src).json()
    assert page["redrivePolicy"]["deadLetterTargetArn"] == dlq_arn
    assert page["tags"] == {"team": "orders"}
    dlq_page = api(server, "queues/" + dlq).json()
    assert [u.rsplit("/", 1)[1] for u in dlq_page["deadLetterSourceQueues"]] == [src]
    # A redrive of the DLQ is a real StartMessageMoveTask.
    r = api(server, f"queues/{dlq}/redrive", "POST", json={})
    assert r.status_code == 200 and r.json()["TaskHandle"], r.text
    # ... and of a queue that is no DLQ, SQS's own error.
    r = api(server, f"queues/{src}/redrive", "POST", json={})
    assert r.status_code == 400 and r.json()["error"]["code"] == "InvalidParameterValue", r.text
    missing = api(server, "queues/" + unique("missing"))
    assert missing.status_code == 400 and missing.json()["error"]["code"] == "QueueDoesNotExist"


def test_peek_shows_bodies_and_attributes_without_changing_visibility_or_receive_counts(server, unique):
    sqs = client("sqs", server.endpoint)
    name = unique("peek")
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody='{"n":1}',
                     MessageAttributes={"kind": {"DataType": "String", "StringValue": "order"}})
    sqs.send_message(QueueUrl=url, MessageBody="second")
    for _ in range(2):
        peeked = api(server, f"queues/{name}/messages").json()["Messages"]
        assert [m["Body"] for m in peeked] == ['{"n":1}', "second"]
        assert all(m["Attributes"]["ApproximateReceiveCount"] == "0" for m in peeked)
        assert peeked[0]["MessageAttributes"]["kind"]["StringValue"] == "order"
    # Still both receivable, each received for the first time.
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"],
                              VisibilityTimeout=30)["Messages"]
    assert sorted(m["Attributes"]["ApproximateReceiveCount"] for m in got) == ["1", "1"]
    # In flight now: hidden from a plain peek, shown when asked, counts unchanged.
    assert api(server, f"queues/{name}/messages").json()["Messages"] == []
    shown = api(server, f"queues/{name}/messages?inflight=true").json()["Messages"]
    assert sorted(m["Attributes"]["ApproximateReceiveCount"] for m in shown) == ["1", "1"]
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attributes["ApproximateNumberOfMessagesNotVisible"] == "2"


def test_localstack_peek_endpoint_xml_and_json(server, unique):
    sqs = client("sqs", server.endpoint)
    name = unique("ls")
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="one")
    sqs.send_message(QueueUrl=url, MessageBody="two", DelaySeconds=60)
    r = requests.get(server.endpoint + "/_aws/sqs/messages", params={"QueueUrl": url}, timeout=5)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/xml")
    root = ET.fromstring(r.content)
    assert root.tag == SQS_NS + "ReceiveMessageResponse"
    messages = root.findall(f"{SQS_NS}ReceiveMessageResult/{SQS_NS}Message")
    assert [m.find(SQS_NS + "Body").text for m in messages] == ["one"]
    attrs = {a.find(SQS_NS + "Name").text: a.find(SQS_NS + "Value").text
             for a in messages[0].findall(SQS_NS + "Attribute")}
    assert attrs["ApproximateReceiveCount"] == "0" and "SentTimestamp" in attrs
    r = requests.get(server.endpoint + "/_aws/sqs/messages", params={"QueueUrl": url, "ShowDelayed": "true"},
                     headers={"Accept": "application/json"}, timeout=5)
    assert r.status_code == 200
    assert [m["Body"] for m in r.json()["Messages"]] == ["one", "two"]
    # Nothing changed: the message is received for the first time.
    got = sqs.receive_message(QueueUrl=url, AttributeNames=["ApproximateReceiveCount"])["Messages"]
    assert got[0]["Attributes"]["ApproximateReceiveCount"] == "1"
    r = requests.get(server.endpoint + "/_aws/sqs/messages",
                     params={"QueueUrl": url.rsplit("/", 1)[0] + "/" + unique("nope")}, timeout=5)
    assert r.status_code == 400 and b"NonExistentQueue" in r.content, r.text
    r = requests.get(server.endpoint + "/_aws/sqs/messages", timeout=5)
    assert r.status_code == 400 and b"MissingParameter" in r.content


def test_send_and_purge_through_the_api(server, unique):
    sqs = client("sqs", server.endpoint)
    name = unique("send")
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    r = api(server, f"queues/{name}/messages", "POST", json={"body": "hello console"})
    assert r.status_code == 200 and len(r.json()["MessageId"]) == 36
    got = sqs.receive_message(QueueUrl=url, VisibilityTimeout=0)["Messages"]
    assert got[0]["Body"] == "hello console"
    r = api(server, f"queues/{name}/messages", "POST", json={"body": ""})
    assert r.status_code == 400 and r.json()["error"]["code"] in ("InvalidParameterValue", "MissingParameter"), r.text
    assert api(server, f"queues/{name}/purge", "POST").status_code == 200
    assert sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])[
        "Attributes"]["ApproximateNumberOfMessages"] == "0"
    bad = api(server, f"queues/{name}/purge", "POST", data=b"{not json", headers={"Content-Type": "application/json"})
    assert bad.status_code == 400
    assert api(server, "nothing-here").status_code == 404


# ---------- topics, Firehose, buckets, stacks ----------

def test_topics_show_subscriptions_filter_policies_and_delivery_counts(server, unique):
    sns, sqs = client("sns", server.endpoint), client("sqs", server.endpoint)
    topic = sns.create_topic(Name=unique("topic"))["TopicArn"]
    url = sqs.create_queue(QueueName=unique("sub"))["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    policy = {"kind": ["order"]}
    sub = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, ReturnSubscriptionArn=True,
                        Attributes={"RawMessageDelivery": "true", "FilterPolicy": json.dumps(policy)})["SubscriptionArn"]
    sns.publish(TopicArn=topic, Message="matches",
                MessageAttributes={"kind": {"DataType": "String", "StringValue": "order"}})
    r = api(server, "topics/publish", "POST", json={"TopicArn": topic, "Message": "no attributes: filtered out"})
    assert r.status_code == 200 and r.json()["MessageId"], r.text
    entry = next(t for t in api(server, "topics").json() if t["arn"] == topic)
    s = next(x for x in entry["subscriptions"] if x["SubscriptionArn"] == sub)
    assert s["Protocol"] == "sqs" and s["Endpoint"] == arn and s["RawMessageDelivery"] is True
    assert s["FilterPolicy"] == policy
    assert s["activity"] == {"delivered": 1, "failed": 0}
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert [m["Body"] for m in got] == ["matches"]
    r = api(server, "topics/publish", "POST", json={"TopicArn": topic + "-gone", "Message": "x"})
    assert r.status_code == 404 and r.json()["error"]["code"] == "NotFoundException", r.text


def test_firehose_stream_fill_deliveries_and_the_bucket_browser(server, unique):
    fh, s3 = client("firehose", server.endpoint), client("s3", server.endpoint)
    bucket, stream = unique("land"), unique("stream")
    s3.create_bucket(Bucket=bucket)
    fh.create_delivery_stream(DeliveryStreamName=stream, ExtendedS3DestinationConfiguration={
        "RoleARN": "arn:aws:iam::000000000000:role/firehose", "BucketARN": f"arn:aws:s3:::{bucket}",
        "Prefix": "landing_date=!{timestamp:yyyy-MM-dd}/", "ErrorOutputPrefix": "errors/",
        "CompressionFormat": "GZIP", "BufferingHints": {"SizeInMBs": 1, "IntervalInSeconds": 2}})
    wait_for(lambda: fh.describe_delivery_stream(DeliveryStreamName=stream)[
        "DeliveryStreamDescription"]["DeliveryStreamStatus"] == "ACTIVE")
    fh.put_record(DeliveryStreamName=stream, Record={"Data": b'{"id":1}\n'})

    def stream_entry():
        return next(s for s in api(server, "streams").json() if s["name"] == stream)
    filled = stream_entry()["activity"]
    assert filled["bufferedRecords"] == 1 and filled["bufferedBytes"] == 9 and filled["oldestRecordMs"] > 0
    delivered = wait_for(lambda: stream_entry()["activity"]["objectsDelivered"] == 1 and stream_entry())
    assert delivered["activity"]["bufferedRecords"] == 0 and delivered["activity"]["deliveryFailures"] == 0
    hints = delivered["description"]["Destinations"][0]["ExtendedS3DestinationDescription"]["BufferingHints"]
    assert hints == {"SizeInMBs": 1, "IntervalInSeconds": 2}

    top = api(server, f"buckets/{bucket}/objects?prefix=").json()
    today = datetime.datetime.utcnow().strftime("%Y-%m-%d")
    assert top["prefixes"] == [f"landing_date={today}/"] and top["objects"] == []
    inside = api(server, f"buckets/{bucket}/objects", params={"prefix": top["prefixes"][0]}).json()
    assert len(inside["objects"]) == 1 and inside["objects"][0]["key"].endswith(".gz")
    key = inside["objects"][0]["key"]
    meta = api(server, f"buckets/{bucket}/object", params={"key": key}).json()
    assert meta["size"] == inside["objects"][0]["size"] and meta["etag"].startswith('"')
    body = api(server, f"buckets/{bucket}/download", params={"key": key})
    assert body.status_code == 200
    assert body.content == s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    assert gzip.decompress(body.content) == b'{"id":1}\n'
    assert bucket in [b["name"] for b in api(server, "buckets").json()]
    assert api(server, f"buckets/{bucket}/object", params={"key": "nope"}).status_code == 404
    assert api(server, f"buckets/{unique('nobucket')}/objects").status_code == 404


def test_stacks_show_status_resources_outputs_and_events(server, unique):
    cfn = client("cloudformation", server.endpoint)
    name, queue = unique("stack"), unique("stackq")
    template = {"Resources": {"Q": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": queue}}},
                "Outputs": {"QueueUrl": {"Value": {"Ref": "Q"}}}}
    cfn.create_stack(StackName=name, TemplateBody=json.dumps(template))
    stack = wait_for(lambda: next((s for s in api(server, "stacks").json()
                                   if s["StackName"] == name and s["StackStatus"] == "CREATE_COMPLETE"), None), 30)
    assert [r["LogicalResourceId"] for r in stack["Resources"]] == ["Q"]
    assert stack["Outputs"][0]["OutputKey"] == "QueueUrl" and stack["Outputs"][0]["OutputValue"].endswith(queue)
    assert any(e["ResourceStatus"] == "CREATE_COMPLETE" and e["LogicalResourceId"] == name for e in stack["Events"])


# ---------- configured mode: logins, signatures, isolation ----------

def login(server, key, secret):
    session = requests.Session()
    r = api(server, "login", "POST", session=session, json={"accessKeyId": key, "secretAccessKey": secret})
    return session, r


def signed_get(server, path, key, secret):
    request = botocore.awsrequest.AWSRequest(method="GET", url=server.endpoint + "/_fanout/api/" + path)
    botocore.auth.SigV4Auth(botocore.credentials.Credentials(key, secret), "execute-api", "us-east-1").add_auth(request)
    prepared = request.prepare()
    return requests.get(prepared.url, headers=dict(prepared.headers), timeout=10)


def test_configured_mode_refuses_unauthenticated_calls(configured):
    assert api(configured, "session").json() == {"authenticated": False, "mode": "configured"}
    r = api(configured, "queues")
    assert r.status_code == 401 and r.json()["error"]["code"] == "MissingAuthenticationToken"
    r = requests.get(configured.endpoint + "/_aws/sqs/messages",
                     params={"QueueUrl": configured.endpoint + "/111111111111/x"}, timeout=5)
    assert r.status_code == 401
    forged = requests.Session()
    forged.cookies.set("fanout_session", "QUtJRENPTlNPTEVBCjk5OTk5OTk5OTk.00")
    assert api(configured, "queues", session=forged).status_code == 401


def test_wrong_secret_and_unknown_key_are_refused(configured):
    _, r = login(configured, ACCOUNT_A[0], "not-the-secret")
    assert r.status_code == 403 and r.json()["error"]["code"] == "SignatureDoesNotMatch"
    assert "Set-Cookie" not in r.headers
    _, r = login(configured, "AKIDNOBODY", "x")
    assert r.status_code == 403 and r.json()["error"]["code"] == "InvalidClientTokenId"
    r = signed_get(configured, "queues", ACCOUNT_A[0], "not-the-secret")
    assert r.status_code == 403 and r.json()["error"]["code"] == "SignatureDoesNotMatch"


def test_each_account_sees_only_its_own_resources(configured, unique):
    sqs_a = client("sqs", configured.endpoint, key=ACCOUNT_A[0], secret=ACCOUNT_A[1])
    sqs_b = client("sqs", configured.endpoint, key=ACCOUNT_B[0], secret=ACCOUNT_B[1])
    queue_a, queue_b = unique("only-a"), unique("only-b")
    url_a = sqs_a.create_queue(QueueName=queue_a)["QueueUrl"]
    sqs_b.create_queue(QueueName=queue_b)
    sqs_a.send_message(QueueUrl=url_a, MessageBody="secret of A")

    session_a, r = login(configured, *ACCOUNT_A[:2])
    assert r.status_code == 200 and r.json()["account"] == ACCOUNT_A[2]
    cookie = r.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    session_b, r = login(configured, *ACCOUNT_B[:2])
    assert r.json()["account"] == ACCOUNT_B[2]

    names_a = [q["name"] for q in api(configured, "queues", session=session_a).json()]
    names_b = [q["name"] for q in api(configured, "queues", session=session_b).json()]
    assert queue_a in names_a and queue_b not in names_a
    assert queue_b in names_b and queue_a not in names_b
    overview_b = api(configured, "overview", session=session_b).json()
    assert overview_b["account"] == ACCOUNT_B[2] and queue_a not in json.dumps(overview_b)
    # B cannot reach A's queue by name, peek, purge or the LocalStack endpoint.
    assert api(configured, "queues/" + queue_a, session=session_b).json()["error"]["code"] == "QueueDoesNotExist"
    assert api(configured, f"queues/{queue_a}/messages", session=session_b).status_code == 400
    assert api(configured, f"queues/{queue_a}/purge", "POST", session=session_b).status_code == 400
    r = session_b.get(configured.endpoint + "/_aws/sqs/messages", params={"QueueUrl": url_a}, timeout=5)
    assert r.status_code == 400 and b"NonExistentQueue" in r.content and b"secret of A" not in r.content
    # A sees its message, through the cookie and through a SigV4-signed call.
    r = session_a.get(configured.endpoint + "/_aws/sqs/messages", params={"QueueUrl": url_a},
                      headers={"Accept": "application/json"}, timeout=5)
    assert [m["Body"] for m in r.json()["Messages"]] == ["secret of A"]
    signed = signed_get(configured, "queues", *ACCOUNT_A[:2])
    assert signed.status_code == 200 and queue_a in [q["name"] for q in signed.json()]
    # Logging out ends the session.
    api(configured, "logout", "POST", session=session_a)
    assert api(configured, "queues", session=session_a).status_code == 401
