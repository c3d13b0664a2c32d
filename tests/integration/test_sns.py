"""SNS through boto3 against a real fanoutd: the reference topology (one topic fanning out to a raw
and an enveloped queue), MessageStructure=json, FIFO topics to FIFO queues, filter policies on
attributes and on the body, an HTTP subscriber that confirms through SubscribeURL and verifies
signed notifications with the certificate from SigningCertURL, an unreachable endpoint's
messages in the subscription's dead-letter queue, and kill -9 right after Publish returns."""
import base64
import http.server
import json
import threading
import time
import urllib.request

import pytest
from botocore.exceptions import ClientError

from conftest import client
from fanoutd_process import Fanoutd

ACCOUNT = "000000000000"


@pytest.fixture(scope="module")
def sns(fanoutd):
    return client("sns", fanoutd.endpoint)


@pytest.fixture(scope="module")
def sqs(fanoutd):
    return client("sqs", fanoutd.endpoint)


def code_of(call):
    with pytest.raises(ClientError) as info:
        call()
    return info.value.response["Error"]["Code"]


def queue(sqs, name, **attributes):
    url = sqs.create_queue(QueueName=name, Attributes={k: str(v) for k, v in attributes.items()})["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn


def allow_topic(sqs, url, queue_arn, topic_arn):
    """The queue policy AWS requires for SNS to deliver (fanoutd enforces it across accounts)."""
    policy = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"}, "Action": "sqs:SendMessage",
        "Resource": queue_arn, "Condition": {"ArnEquals": {"aws:SourceArn": topic_arn}}}]}
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps(policy)})


def receive_all(sqs, url, expected, timeout=10, **kwargs):
    """Receives (and deletes) until `expected` messages arrived or the timeout passes."""
    got = []
    deadline = time.time() + timeout
    while len(got) < expected and time.time() < deadline:
        resp = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1,
                                   MessageAttributeNames=["All"], AttributeNames=["All"], **kwargs)
        for m in resp.get("Messages", []):
            got.append(m)
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    return got


def string_to_sign(m):
    if m["Type"] == "Notification":
        keys = ["Message", "MessageId"] + (["Subject"] if "Subject" in m else []) + ["Timestamp", "TopicArn", "Type"]
    else:
        keys = ["Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"]
    return "".join(f"{k}\n{m[k]}\n" for k in keys)


def verify(m):
    """Verifies an SNS message the way subscriber libraries do: fetch SigningCertURL, check the
    RSA signature over the canonical string (SHA1 for SignatureVersion 1, SHA256 for 2)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding
    with urllib.request.urlopen(m["SigningCertURL"], timeout=5) as r:
        assert r.status == 200
        pem = r.read()
    cert = x509.load_pem_x509_certificate(pem)
    digest = hashes.SHA256() if m["SignatureVersion"] == "2" else hashes.SHA1()
    cert.public_key().verify(base64.b64decode(m["Signature"]), string_to_sign(m).encode(), padding.PKCS1v15(),
                             digest)  # raises InvalidSignature on mismatch


def test_reference_topology(sns, sqs, unique):
    topic = sns.create_topic(Name=unique("created-consumer"))["TopicArn"]
    assert topic.startswith(f"arn:aws:sns:us-east-1:{ACCOUNT}:")
    orders_url, orders_arn = queue(sqs, unique("api-orders-created-consumer"))
    payments_url, payments_arn = queue(sqs, unique("api-payment-created-payment"))
    for url, arn in ((orders_url, orders_arn), (payments_url, payments_arn)):
        allow_topic(sqs, url, arn, topic)
    raw_sub = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=orders_arn,
                            Attributes={"RawMessageDelivery": "true"}, ReturnSubscriptionArn=True)["SubscriptionArn"]
    env_sub = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=payments_arn)["SubscriptionArn"]
    assert raw_sub.startswith(topic + ":") and env_sub.startswith(topic + ":")
    subs = sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
    assert {s["Endpoint"] for s in subs} == {orders_arn, payments_arn}
    attrs = sns.get_topic_attributes(TopicArn=topic)["Attributes"]
    assert attrs["SubscriptionsConfirmed"] == "2" and attrs["Owner"] == ACCOUNT

    consumer = {"id": 42, "name": "Ada"}
    msg_id = sns.publish(TopicArn=topic, Message=json.dumps(consumer), Subject="consumer created",
                         MessageAttributes={"event": {"DataType": "String", "StringValue": "created"},
                                            "version": {"DataType": "Number", "StringValue": "2"}})["MessageId"]

    raw = receive_all(sqs, orders_url, 1)
    assert len(raw) == 1
    assert json.loads(raw[0]["Body"]) == consumer
    assert raw[0]["MessageAttributes"]["event"] == {"StringValue": "created", "DataType": "String"}
    assert raw[0]["MessageAttributes"]["version"]["DataType"] == "Number"

    enveloped = receive_all(sqs, payments_url, 1)
    assert len(enveloped) == 1
    body = enveloped[0]["Body"]
    envelope = json.loads(body)
    assert list(envelope) == ["Type", "MessageId", "TopicArn", "Subject", "Message", "Timestamp", "SignatureVersion",
                              "Signature", "SigningCertURL", "UnsubscribeURL", "MessageAttributes"]
    assert body.startswith('{\n  "Type" : "Notification",\n')
    assert envelope["MessageId"] == msg_id
    assert envelope["TopicArn"] == topic
    assert json.loads(envelope["Message"]) == consumer
    assert envelope["MessageAttributes"]["event"] == {"Type": "String", "Value": "created"}
    assert envelope["UnsubscribeURL"].endswith("?Action=Unsubscribe&SubscriptionArn=" + env_sub)
    verify(envelope)


def test_message_structure_json(sns, sqs, unique):
    topic = sns.create_topic(Name=unique("structured"))["TopicArn"]
    url, arn = queue(sqs, unique("structured"))
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes={"RawMessageDelivery": "true"})
    sns.publish(TopicArn=topic, MessageStructure="json",
                Message=json.dumps({"default": "for everyone", "sqs": "for queues", "http": "for the web"}))
    sns.publish(TopicArn=topic, MessageStructure="json", Message=json.dumps({"default": "only default"}))
    bodies = sorted(m["Body"] for m in receive_all(sqs, url, 2))
    assert bodies == ["for queues", "only default"]
    assert code_of(lambda: sns.publish(TopicArn=topic, MessageStructure="json",
                                       Message=json.dumps({"sqs": "no default"}))) == "InvalidParameter"


def test_fifo_topic_to_fifo_queues(sns, sqs, unique):
    topic = sns.create_topic(Name=unique("orders") + ".fifo",
                             Attributes={"FifoTopic": "true", "ContentBasedDeduplication": "true"})["TopicArn"]
    a_url, a_arn = queue(sqs, unique("a") + ".fifo", FifoQueue="true")
    b_url, b_arn = queue(sqs, unique("b") + ".fifo", FifoQueue="true")
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=a_arn, Attributes={"RawMessageDelivery": "true"})
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=b_arn)
    # A standard queue cannot be subscribed to a FIFO topic.
    _, std_arn = queue(sqs, unique("std"))
    assert code_of(lambda: sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=std_arn)) == "InvalidParameter"
    assert code_of(lambda: sns.publish(TopicArn=topic, Message="no group")) == "InvalidParameter"

    seqs = []
    for i in range(6):
        r = sns.publish(TopicArn=topic, Message=f"m{i}", MessageGroupId="consumer-1")
        seqs.append(int(r["SequenceNumber"]))
    assert seqs == sorted(seqs)
    dup = sns.publish(TopicArn=topic, Message="m0", MessageGroupId="consumer-1")  # content-based duplicate
    assert int(dup["SequenceNumber"]) == seqs[0]

    raw = receive_all(sqs, a_url, 6)
    assert [m["Body"] for m in raw] == [f"m{i}" for i in range(6)]
    assert all(m["Attributes"]["MessageGroupId"] == "consumer-1" for m in raw)
    enveloped = receive_all(sqs, b_url, 6)
    messages = [json.loads(m["Body"]) for m in enveloped]
    assert [m["Message"] for m in messages] == [f"m{i}" for i in range(6)]
    assert [int(m["SequenceNumber"]) for m in messages] == seqs
    # Nothing more: the duplicate was not delivered.
    assert receive_all(sqs, a_url, 1, timeout=1) == []


def test_filter_policies(sns, sqs, unique):
    topic = sns.create_topic(Name=unique("filtered"))["TopicArn"]
    attr_url, attr_arn = queue(sqs, unique("by-attribute"))
    body_url, body_arn = queue(sqs, unique("by-body"))
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=attr_arn, Attributes={
        "RawMessageDelivery": "true",
        "FilterPolicy": json.dumps({"event": ["created"], "amount": [{"numeric": [">", 100]}]})})
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=body_arn, Attributes={
        "RawMessageDelivery": "true", "FilterPolicyScope": "MessageBody",
        "FilterPolicy": json.dumps({"consumer": {"country": [{"prefix": "B"}]}})})

    def publish(message, **attrs):
        sns.publish(TopicArn=topic, Message=message, MessageAttributes={
            k: {"DataType": "Number" if isinstance(v, int) else "String", "StringValue": str(v)}
            for k, v in attrs.items()})

    publish("big created", event="created", amount=150)
    publish("small created", event="created", amount=5)
    publish("big deleted", event="deleted", amount=500)
    publish(json.dumps({"consumer": {"country": "Brazil"}}))
    publish(json.dumps({"consumer": {"country": "Chile"}}))
    assert [m["Body"] for m in receive_all(sqs, attr_url, 1)] == ["big created"]
    assert [json.loads(m["Body"])["consumer"]["country"] for m in receive_all(sqs, body_url, 1)] == ["Brazil"]
    assert receive_all(sqs, attr_url, 1, timeout=1) == []
    assert receive_all(sqs, body_url, 1, timeout=1) == []

    sub = sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"][0]["SubscriptionArn"]
    assert code_of(lambda: sns.set_subscription_attributes(
        SubscriptionArn=sub, AttributeName="FilterPolicy", AttributeValue='{"a": [{"numeric": [">"]}]}')) == \
        "InvalidParameter"


class Recorder(http.server.BaseHTTPRequestHandler):
    """Records every POST; confirms SubscriptionConfirmations by visiting SubscribeURL, as a
    subscriber's endpoint does."""
    received = None
    auto_confirm = True

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length).decode()
        entry = {"headers": {k.lower(): v for k, v in self.headers.items()}, "body": body, "path": self.path}
        self.server.received.append(entry)
        self.send_response(200)
        self.end_headers()
        if entry["headers"].get("x-amz-sns-message-type") == "SubscriptionConfirmation" and self.server.auto_confirm:
            url = json.loads(body)["SubscribeURL"]
            threading.Thread(target=lambda: urllib.request.urlopen(url, timeout=5).read(), daemon=True).start()

    def log_message(self, *args):
        pass


@pytest.fixture
def subscriber():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    server.received = []
    server.auto_confirm = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def wait_for(condition, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def test_http_subscriber_confirms_and_verifies(sns, unique, subscriber):
    topic = sns.create_topic(Name=unique("web"))["TopicArn"]
    endpoint = f"http://127.0.0.1:{subscriber.server_address[1]}/sns"
    assert sns.subscribe(TopicArn=topic, Protocol="http", Endpoint=endpoint)["SubscriptionArn"] == \
        "pending confirmation"
    assert wait_for(lambda: any(s["SubscriptionArn"] != "PendingConfirmation"
                                for s in sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]))
    confirmation = subscriber.received[0]
    assert confirmation["headers"]["x-amz-sns-message-type"] == "SubscriptionConfirmation"
    assert confirmation["path"] == "/sns"
    conf = json.loads(confirmation["body"])
    verify(conf)
    sub_arn = sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"][0]["SubscriptionArn"]
    attrs = sns.get_subscription_attributes(SubscriptionArn=sub_arn)["Attributes"]
    assert attrs["PendingConfirmation"] == "false"
    assert attrs["ConfirmationWasAuthenticated"] == "false"  # confirmed through the unsigned SubscribeURL

    msg_id = sns.publish(TopicArn=topic, Message="hello subscriber", Subject="hi")["MessageId"]
    assert wait_for(lambda: len(subscriber.received) >= 2)
    note = subscriber.received[1]
    assert note["headers"]["x-amz-sns-message-type"] == "Notification"
    assert note["headers"]["x-amz-sns-message-id"] == msg_id
    assert note["headers"]["x-amz-sns-topic-arn"] == topic
    assert note["headers"]["x-amz-sns-subscription-arn"] == sub_arn
    assert note["headers"]["content-type"] == "text/plain; charset=UTF-8"
    message = json.loads(note["body"])
    assert message["Message"] == "hello subscriber" and message["Subject"] == "hi"
    verify(message)

    # SignatureVersion 2 (SHA256) verifies too.
    sns.set_topic_attributes(TopicArn=topic, AttributeName="SignatureVersion", AttributeValue="2")
    sns.publish(TopicArn=topic, Message="sha256")
    assert wait_for(lambda: len(subscriber.received) >= 3)
    v2 = json.loads(subscriber.received[2]["body"])
    assert v2["SignatureVersion"] == "2"
    verify(v2)

    # The UnsubscribeURL works without credentials; the endpoint is told.
    with urllib.request.urlopen(message["UnsubscribeURL"], timeout=5) as r:
        assert r.status == 200
    assert wait_for(lambda: len(subscriber.received) >= 4)
    assert subscriber.received[3]["headers"]["x-amz-sns-message-type"] == "UnsubscribeConfirmation"
    verify(json.loads(subscriber.received[3]["body"]))
    assert sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"] == []


def test_unreachable_endpoint_goes_to_dead_letter_queue(sns, sqs, unique, subscriber):
    topic = sns.create_topic(Name=unique("flaky"))["TopicArn"]
    dlq_url, dlq_arn = queue(sqs, unique("sub-dlq"))
    allow_topic(sqs, dlq_url, dlq_arn, topic)
    endpoint = f"http://127.0.0.1:{subscriber.server_address[1]}/gone"
    sub = sns.subscribe(TopicArn=topic, Protocol="http", Endpoint=endpoint, ReturnSubscriptionArn=True, Attributes={
        "DeliveryPolicy": json.dumps({"healthyRetryPolicy": {"minDelayTarget": 1, "maxDelayTarget": 1,
                                                             "numRetries": 2}}),
        "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn})})["SubscriptionArn"]
    assert wait_for(lambda: sns.get_subscription_attributes(SubscriptionArn=sub)["Attributes"][
        "PendingConfirmation"] == "false")
    subscriber.shutdown()
    subscriber.server_close()  # now nothing listens at the endpoint
    msg_id = sns.publish(TopicArn=topic, Message="undeliverable")["MessageId"]
    dead = receive_all(sqs, dlq_url, 1, timeout=15)
    assert len(dead) == 1
    envelope = json.loads(dead[0]["Body"])
    assert envelope["MessageId"] == msg_id and envelope["Message"] == "undeliverable"


def test_errors(sns, unique):
    missing = f"arn:aws:sns:us-east-1:{ACCOUNT}:{unique('missing')}"
    assert code_of(lambda: sns.get_topic_attributes(TopicArn=missing)) == "NotFound"
    assert code_of(lambda: sns.publish(TopicArn=missing, Message="x")) == "NotFound"
    assert code_of(lambda: sns.create_topic(Name="bad name")) == "InvalidParameter"
    topic = sns.create_topic(Name=unique("errs"))["TopicArn"]
    assert code_of(lambda: sns.publish(TopicArn=topic, Message="x" * (256 * 1024 + 1))) == "InvalidParameter"
    assert code_of(lambda: sns.publish(TopicArn=topic, Message="x", MessageAttributes={
        "a": {"DataType": "String", "StringValue": ""}})) == "ParameterValueInvalid"
    assert code_of(lambda: sns.publish_batch(TopicArn=topic, PublishBatchRequestEntries=[
        {"Id": "1", "Message": "a"}, {"Id": "1", "Message": "b"}])) == "BatchEntryIdsNotDistinct"
    assert code_of(lambda: sns.publish_batch(TopicArn=topic, PublishBatchRequestEntries=[
        {"Id": str(i), "Message": "m"} for i in range(11)])) == "TooManyEntriesInBatchRequest"
    result = sns.publish_batch(TopicArn=topic, PublishBatchRequestEntries=[
        {"Id": "ok", "Message": "fine"}, {"Id": "bad", "Message": "m", "Subject": "line\nbreak"}])
    assert [e["Id"] for e in result["Successful"]] == ["ok"]
    assert result["Failed"][0]["Id"] == "bad" and result["Failed"][0]["Code"] == "InvalidParameter"
    sns.tag_resource(ResourceArn=topic, Tags=[{"Key": "team", "Value": "orders"}])
    assert sns.list_tags_for_resource(ResourceArn=topic)["Tags"] == [{"Key": "team", "Value": "orders"}]
    assert code_of(lambda: sns.tag_resource(ResourceArn=topic, Tags=[
        {"Key": f"k{i}", "Value": "v"} for i in range(50)])) == "TagLimitExceeded"


def test_kill9_right_after_publish_loses_nothing(tmp_path):
    server = Fanoutd(data_dir=str(tmp_path / "data"), durability="fsync").start()
    try:
        sns = client("sns", server.endpoint)
        sqs = client("sqs", server.endpoint)
        topic = sns.create_topic(Name="created-consumer")["TopicArn"]
        urls = []
        for name, raw in (("orders", "true"), ("payments", "false")):
            url, arn = queue(sqs, name)
            allow_topic(sqs, url, arn, topic)
            sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes={"RawMessageDelivery": raw})
            urls.append(url)
        published = [sns.publish(TopicArn=topic, Message=f"consumer-{i}")["MessageId"] for i in range(25)]
        server.kill9()  # right after the last Publish returned
        server.start()
        sqs = client("sqs", server.endpoint)
        orders = receive_all(sqs, urls[0], len(published))
        payments = receive_all(sqs, urls[1], len(published))
        assert sorted(m["Body"] for m in orders) == sorted(f"consumer-{i}" for i in range(25))
        assert sorted(json.loads(m["Body"])["MessageId"] for m in payments) == sorted(published)
        # The topic and its subscriptions came back too.
        sns = client("sns", server.endpoint)
        assert len(sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]) == 2
    finally:
        server.close()
