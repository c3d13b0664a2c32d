"""SQS through boto3: run under Debian's python3-boto3 1.26 (query protocol) and under the
machine's current boto3 (JSON protocol), with the SDK's MD5 validation on."""
import hashlib
import threading
import time
import urllib.request

import pytest
from botocore.exceptions import ClientError

from conftest import client


@pytest.fixture(scope="module")
def sqs(fanoutd):
    c = client("sqs", fanoutd.endpoint)
    print("protocol:", c.meta.service_model.protocol)
    return c


def code_of(call):
    with pytest.raises(ClientError) as info:
        call()
    return info.value.response["Error"]["Code"]


def nonexistent_code(sqs):
    # Both protocols surface AWS's query code (JSON via x-amzn-query-error).
    return "AWS.SimpleQueueService.NonExistentQueue"


def test_protocol_is_the_one_this_python_speaks(sqs):
    import botocore
    major, minor = (int(x) for x in botocore.__version__.split(".")[:2])
    expected = "json" if (major, minor) >= (1, 34) else "query"
    assert sqs.meta.service_model.protocol == expected


def test_queue_lifecycle_and_attributes(sqs, unique):
    name = unique("life")
    url = sqs.create_queue(QueueName=name, Attributes={"VisibilityTimeout": "45", "DelaySeconds": "0"},
                           tags={"team": "orders"})["QueueUrl"]
    assert url.endswith(f"/000000000000/{name}")
    assert sqs.create_queue(QueueName=name, Attributes={"VisibilityTimeout": "45"})["QueueUrl"] == url
    assert code_of(lambda: sqs.create_queue(QueueName=name, Attributes={"VisibilityTimeout": "46"})) == \
        "QueueAlreadyExists"
    assert sqs.get_queue_url(QueueName=name)["QueueUrl"] == url
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attrs["VisibilityTimeout"] == "45"
    assert attrs["QueueArn"] == f"arn:aws:sqs:us-east-1:000000000000:{name}"
    for key in ("ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
                "ApproximateNumberOfMessagesDelayed", "CreatedTimestamp", "LastModifiedTimestamp",
                "MaximumMessageSize", "MessageRetentionPeriod", "ReceiveMessageWaitTimeSeconds"):
        assert key in attrs, key
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"MessageRetentionPeriod": "120"})
    assert sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["MessageRetentionPeriod"])[
        "Attributes"] == {"MessageRetentionPeriod": "120"}
    assert code_of(lambda: sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "99999"})) == \
        "InvalidAttributeValue"
    assert code_of(lambda: sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Bogus"])) == \
        "InvalidAttributeName"
    assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"team": "orders"}
    sqs.tag_queue(QueueUrl=url, Tags={"env": "dev"})
    sqs.untag_queue(QueueUrl=url, TagKeys=["team"])
    assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"env": "dev"}
    sqs.delete_queue(QueueUrl=url)
    assert code_of(lambda: sqs.get_queue_url(QueueName=name)) == nonexistent_code(sqs)


def test_queue_name_rules(sqs):
    assert code_of(lambda: sqs.create_queue(QueueName="bad name")) == "InvalidParameterValue"
    assert code_of(lambda: sqs.create_queue(QueueName="x" * 81)) == "InvalidParameterValue"
    assert code_of(lambda: sqs.create_queue(QueueName="nofifo.fifo")) == "InvalidParameterValue"


def test_list_queues_prefix_and_pagination(sqs, unique):
    prefix = unique("page")
    urls = sorted(sqs.create_queue(QueueName=f"{prefix}-{i}")["QueueUrl"] for i in range(5))
    assert sorted(sqs.list_queues(QueueNamePrefix=prefix)["QueueUrls"]) == urls
    seen, token = [], None
    while True:
        kwargs = {"QueueNamePrefix": prefix, "MaxResults": 2}
        if token:
            kwargs["NextToken"] = token
        page = sqs.list_queues(**kwargs)
        seen += page.get("QueueUrls", [])
        token = page.get("NextToken")
        if not token:
            break
    assert sorted(seen) == urls


def test_send_receive_delete_with_attributes_and_md5(sqs, unique):
    url = sqs.create_queue(QueueName=unique("msg"))["QueueUrl"]
    body = "héllo <world> & \t tabs \U0001F600"
    sent = sqs.send_message(QueueUrl=url, MessageBody=body, MessageAttributes={
        "color": {"DataType": "String", "StringValue": "red"},
        "count": {"DataType": "Number", "StringValue": "42"},
        "blob": {"DataType": "Binary", "BinaryValue": b"\x00\x01\xff"},
        "custom": {"DataType": "String.custom", "StringValue": "x"},
    }, MessageSystemAttributes={"AWSTraceHeader": {"DataType": "String",
                                                   "StringValue": "Root=1-5759e988-bd862e3fe1be46a994272793"}})
    assert sent["MD5OfMessageBody"] == hashlib.md5(body.encode()).hexdigest()
    assert "MD5OfMessageAttributes" in sent and "MD5OfMessageSystemAttributes" in sent
    got = sqs.receive_message(QueueUrl=url, MessageAttributeNames=["All"], AttributeNames=["All"],
                              MaxNumberOfMessages=10)["Messages"]
    assert len(got) == 1
    m = got[0]
    assert m["Body"] == body
    assert m["MessageId"] == sent["MessageId"]
    assert m["MessageAttributes"]["blob"]["BinaryValue"] == b"\x00\x01\xff"
    assert m["MessageAttributes"]["count"] == {"DataType": "Number", "StringValue": "42"}
    assert m["Attributes"]["ApproximateReceiveCount"] == "1"
    assert m["Attributes"]["AWSTraceHeader"].startswith("Root=")
    assert int(m["Attributes"]["SentTimestamp"]) > 1_600_000_000_000
    sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    assert "Messages" not in sqs.receive_message(QueueUrl=url, WaitTimeSeconds=0)
    # Deleting again with the same handle succeeds, as on AWS.
    sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    assert code_of(lambda: sqs.delete_message(QueueUrl=url, ReceiptHandle="garbage")) == "ReceiptHandleIsInvalid"


def test_invalid_body_characters_and_size(sqs, unique):
    url = sqs.create_queue(QueueName=unique("bad"), Attributes={"MaximumMessageSize": "1024"})["QueueUrl"]
    assert code_of(lambda: sqs.send_message(QueueUrl=url, MessageBody="bad \x01 char")) == "InvalidMessageContents"
    assert code_of(lambda: sqs.send_message(QueueUrl=url, MessageBody="x" * 1025)) == "InvalidParameterValue"
    assert sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])[
        "Attributes"]["ApproximateNumberOfMessages"] == "0"


def test_one_mebibyte_message(sqs, unique):
    url = sqs.create_queue(QueueName=unique("big"), Attributes={"MaximumMessageSize": "1048576"})["QueueUrl"]
    body = "b" * (1024 * 1024)
    sqs.send_message(QueueUrl=url, MessageBody=body)
    assert sqs.receive_message(QueueUrl=url)["Messages"][0]["Body"] == body
    assert code_of(lambda: sqs.send_message(QueueUrl=url, MessageBody=body + "x")) == "InvalidParameterValue"


def test_batches_with_partial_failures(sqs, unique):
    url = sqs.create_queue(QueueName=unique("batch"))["QueueUrl"]
    result = sqs.send_message_batch(QueueUrl=url, Entries=[
        {"Id": "ok1", "MessageBody": "one"},
        {"Id": "bad", "MessageBody": "nul \x00 char"},
        {"Id": "ok2", "MessageBody": "two", "DelaySeconds": 0},
    ])
    assert sorted(e["Id"] for e in result["Successful"]) == ["ok1", "ok2"]
    assert [(e["Id"], e["SenderFault"]) for e in result["Failed"]] == [("bad", True)]
    assert code_of(lambda: sqs.send_message_batch(QueueUrl=url, Entries=[
        {"Id": "a", "MessageBody": "x"}, {"Id": "a", "MessageBody": "y"}])) == \
        "AWS.SimpleQueueService.BatchEntryIdsNotDistinct"
    assert code_of(lambda: sqs.send_message_batch(QueueUrl=url, Entries=[
        {"Id": str(i), "MessageBody": "x"} for i in range(11)])) == \
        "AWS.SimpleQueueService.TooManyEntriesInBatchRequest"
    assert code_of(lambda: sqs.send_message_batch(QueueUrl=url, Entries=[
        {"Id": "no spaces", "MessageBody": "x"}])) == "AWS.SimpleQueueService.InvalidBatchEntryId"
    msgs = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert sorted(m["Body"] for m in msgs) == ["one", "two"]
    deleted = sqs.delete_message_batch(QueueUrl=url, Entries=[
        {"Id": "d1", "ReceiptHandle": msgs[0]["ReceiptHandle"]},
        {"Id": "d2", "ReceiptHandle": "not-a-handle"},
    ])
    assert [e["Id"] for e in deleted["Successful"]] == ["d1"]
    assert deleted["Failed"][0]["Id"] == "d2" and deleted["Failed"][0]["Code"] == "ReceiptHandleIsInvalid"
    changed = sqs.change_message_visibility_batch(QueueUrl=url, Entries=[
        {"Id": "c1", "ReceiptHandle": msgs[1]["ReceiptHandle"], "VisibilityTimeout": 0}])
    assert [e["Id"] for e in changed["Successful"]] == ["c1"]
    assert sqs.receive_message(QueueUrl=url)["Messages"][0]["Body"] == msgs[1]["Body"]


def test_visibility_timeout_and_change(sqs, unique):
    url = sqs.create_queue(QueueName=unique("vis"))["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="v")
    m = sqs.receive_message(QueueUrl=url, VisibilityTimeout=1)["Messages"][0]
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    time.sleep(1.3)
    again = sqs.receive_message(QueueUrl=url, VisibilityTimeout=30, AttributeNames=["ApproximateReceiveCount"])
    m2 = again["Messages"][0]
    assert m2["Attributes"]["ApproximateReceiveCount"] == "2"
    assert m2["ReceiptHandle"] != m["ReceiptHandle"]
    sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=m2["ReceiptHandle"], VisibilityTimeout=0)
    m3 = sqs.receive_message(QueueUrl=url)["Messages"][0]
    sqs.delete_message(QueueUrl=url, ReceiptHandle=m3["ReceiptHandle"])
    assert code_of(lambda: sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=m3["ReceiptHandle"],
                                                         VisibilityTimeout=10)) in (
        "AWS.SimpleQueueService.MessageNotInflight", "InvalidParameterValue", "ReceiptHandleIsInvalid")


def test_delay_seconds(sqs, unique):
    url = sqs.create_queue(QueueName=unique("delay"))["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="later", DelaySeconds=1)
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessagesDelayed"])
    assert attrs["Attributes"]["ApproximateNumberOfMessagesDelayed"] == "1"
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    got = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=3)
    assert got["Messages"][0]["Body"] == "later"


def test_long_poll_is_woken_by_a_send(sqs, fanoutd, unique):
    url = sqs.create_queue(QueueName=unique("poll"))["QueueUrl"]
    sender = client("sqs", fanoutd.endpoint)
    timer = threading.Timer(0.5, lambda: sender.send_message(QueueUrl=url, MessageBody="wake"))
    started = time.time()
    timer.start()
    got = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=10)
    elapsed = time.time() - started
    timer.join()
    assert got["Messages"][0]["Body"] == "wake"
    assert 0.4 < elapsed < 3, elapsed


def test_long_poll_times_out_empty(sqs, unique):
    url = sqs.create_queue(QueueName=unique("empty"), Attributes={"ReceiveMessageWaitTimeSeconds": "1"})["QueueUrl"]
    started = time.time()
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    assert 0.9 < time.time() - started < 3


def test_fifo_order_dedup_and_group_lock(sqs, unique):
    name = unique("fifo") + ".fifo"
    url = sqs.create_queue(QueueName=name, Attributes={"FifoQueue": "true"})["QueueUrl"]
    assert code_of(lambda: sqs.send_message(QueueUrl=url, MessageBody="x", MessageDeduplicationId="d")) == \
        "MissingParameter"
    ids = []
    for i in range(5):
        r = sqs.send_message(QueueUrl=url, MessageBody=f"a{i}", MessageGroupId="A", MessageDeduplicationId=f"a{i}")
        ids.append(r["MessageId"])
        assert "SequenceNumber" in r
    dup = sqs.send_message(QueueUrl=url, MessageBody="a0 again", MessageGroupId="A", MessageDeduplicationId="a0")
    assert dup["MessageId"] == ids[0]
    sqs.send_message(QueueUrl=url, MessageBody="b0", MessageGroupId="B", MessageDeduplicationId="b0")
    first = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=2, AttributeNames=["All"])["Messages"]
    assert [m["Body"] for m in first] == ["a0", "a1"]
    assert first[0]["Attributes"]["MessageGroupId"] == "A"
    # Group A is locked while a0/a1 are in flight; only B is served.
    second = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert [m["Body"] for m in second] == ["b0"]
    for m in first + second:
        sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    rest = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert [m["Body"] for m in rest] == ["a2", "a3", "a4"]


def test_fifo_content_based_dedup(sqs, unique):
    url = sqs.create_queue(QueueName=unique("cbd") + ".fifo",
                           Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "true"})["QueueUrl"]
    a = sqs.send_message(QueueUrl=url, MessageBody="same", MessageGroupId="g")
    b = sqs.send_message(QueueUrl=url, MessageBody="same", MessageGroupId="g")
    assert a["MessageId"] == b["MessageId"]
    assert sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])[
        "Attributes"]["ApproximateNumberOfMessages"] == "1"


def test_dead_letter_queue_and_move_task(sqs, unique):
    import json
    dlq_url = sqs.create_queue(QueueName=unique("dlq"))["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    src_url = sqs.create_queue(QueueName=unique("src"), Attributes={
        "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 2})})["QueueUrl"]
    src_arn = sqs.get_queue_attributes(QueueUrl=src_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sqs.send_message(QueueUrl=src_url, MessageBody="poison")
    for _ in range(2):
        m = sqs.receive_message(QueueUrl=src_url, VisibilityTimeout=0)["Messages"][0]
        assert m["Body"] == "poison"
    assert "Messages" not in sqs.receive_message(QueueUrl=src_url)
    dead = sqs.receive_message(QueueUrl=dlq_url, VisibilityTimeout=0, AttributeNames=["All"])["Messages"][0]
    assert dead["Body"] == "poison"
    assert dead["Attributes"].get("DeadLetterQueueSourceArn") == src_arn
    assert sqs.list_dead_letter_source_queues(QueueUrl=dlq_url)["queueUrls"] == [src_url]
    if not hasattr(sqs, "start_message_move_task"):
        # Query-protocol clients (botocore 1.29) predate the move-task API; the JSON run and
        # the JS suite cover it.
        return
    task = sqs.start_message_move_task(SourceArn=dlq_arn)
    assert "TaskHandle" in task
    deadline = time.time() + 10
    while time.time() < deadline:
        tasks = sqs.list_message_move_tasks(SourceArn=dlq_arn)["Results"]
        if tasks and tasks[0]["Status"] == "COMPLETED":
            break
        time.sleep(0.2)
    assert tasks[0]["Status"] == "COMPLETED"
    assert tasks[0]["ApproximateNumberOfMessagesMoved"] == 1
    assert sqs.receive_message(QueueUrl=src_url)["Messages"][0]["Body"] == "poison"


def test_purge_once_per_minute(sqs, unique):
    url = sqs.create_queue(QueueName=unique("purge"))["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="x")
    sqs.purge_queue(QueueUrl=url)
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    assert code_of(lambda: sqs.purge_queue(QueueUrl=url)) == "AWS.SimpleQueueService.PurgeQueueInProgress"


def test_permissions(sqs, unique):
    url = sqs.create_queue(QueueName=unique("perm"))["QueueUrl"]
    sqs.add_permission(QueueUrl=url, Label="share", AWSAccountIds=["111122223333"], Actions=["SendMessage"])
    policy = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Policy"])["Attributes"]["Policy"]
    assert "share" in policy and "111122223333" in policy
    sqs.remove_permission(QueueUrl=url, Label="share")
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Policy"]).get("Attributes", {})
    assert "share" not in attrs.get("Policy", "")


def test_errors_for_missing_queue(sqs):
    url = "http://127.0.0.1:1/000000000000/does-not-exist"
    assert code_of(lambda: sqs.send_message(QueueUrl=url, MessageBody="x")) == nonexistent_code(sqs)
    assert code_of(lambda: sqs.receive_message(QueueUrl=url)) == nonexistent_code(sqs)


def test_aws_style_queue_url_resolves(sqs, unique):
    name = unique("awsurl")
    sqs.create_queue(QueueName=name)
    aws_url = f"https://sqs.us-east-1.amazonaws.com/000000000000/{name}"
    sqs.send_message(QueueUrl=aws_url, MessageBody="via aws url")
    got = sqs.receive_message(QueueUrl=aws_url)["Messages"][0]
    assert got["Body"] == "via aws url"


def store_fsyncs(endpoint):
    """fanout_store_fsyncs_total, after checking that the fsync-time histogram counted each one."""
    values = {}
    with urllib.request.urlopen(endpoint + "/_fanout/metrics", timeout=10) as response:
        for line in response.read().decode().splitlines():
            if not line.startswith("#") and " " in line:
                name, value = line.rsplit(" ", 1)
                values[name] = value
    fsyncs = int(values["fanout_store_fsyncs_total"])
    assert int(values["fanout_store_sync_write_seconds_count"]) == fsyncs
    assert int(values['fanout_store_sync_write_seconds_bucket{le="+Inf"}']) == fsyncs
    return fsyncs


def test_metrics_count_the_stores_fsyncs(fanoutd, sqs, unique):
    # Every acknowledged send is durable, so it cost an fsync, shared with the sends that waited
    # beside it (group commit): between 1 and one per send. Each fsync is also timed.
    url = sqs.create_queue(QueueName=unique("fsyncs"))["QueueUrl"]
    before = store_fsyncs(fanoutd.endpoint)
    threads = [threading.Thread(target=lambda i=i: client("sqs", fanoutd.endpoint).send_message(
        QueueUrl=url, MessageBody=f"m{i}")) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert 1 <= store_fsyncs(fanoutd.endpoint) - before <= 8
