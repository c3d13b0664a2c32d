"""Firehose through boto3 (JSON 1.1): the reference pipeline (direct puts and an SNS firehose
subscription) landing in an S3-compatible server on loopback (npm s3rver), GZIP objects that
gunzip reads, size-triggered flushes, kill -9 with records buffered, and AWS's errors."""
import base64
import datetime
import gzip
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request

import pytest
from botocore.exceptions import ClientError

from conftest import client
from fanoutd_process import Fanoutd

HERE = os.path.dirname(os.path.abspath(__file__))
S3RVER = os.path.join(HERE, "firehose_s3rver", "node_modules", ".bin", "s3rver")
ACCOUNT = "000000000000"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/firehose-delivery"
BUCKET = "landing"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class S3rver:
    """A second S3 server (s3rver, credentials S3RVER/S3RVER) with one bucket."""

    def __init__(self):
        if not os.path.exists(S3RVER):
            pytest.fail("s3rver missing: run scripts/bootstrap")
        self.dir = tempfile.mkdtemp(prefix="s3rver-")
        self.port = free_port()
        self.proc = subprocess.Popen([S3RVER, "--directory", self.dir, "--port", str(self.port), "--address",
                                      "127.0.0.1", "--silent", "--configure-bucket", BUCKET],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 20
        while time.time() < deadline:
            try:
                urllib.request.urlopen(self.endpoint, timeout=1)
                break
            except urllib.error.HTTPError:
                break
            except OSError:
                time.sleep(0.1)
        self.s3 = client("s3", self.endpoint, key="S3RVER", secret="S3RVER")

    @property
    def endpoint(self):
        return f"http://127.0.0.1:{self.port}"

    def objects(self, prefix=""):
        out = self.s3.list_objects_v2(Bucket=BUCKET, Prefix=prefix).get("Contents", [])
        return sorted(out, key=lambda o: (o["LastModified"], o["Key"]))

    def read(self, key):
        return self.s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()

    def close(self):
        self.proc.kill()
        self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


def endpoints_env(s3rver):
    return {"FANOUT_FIREHOSE_S3_ENDPOINTS": json.dumps({BUCKET: {
        "endpoint": s3rver.endpoint, "region": "us-east-1", "access_key_id": "S3RVER",
        "secret_access_key": "S3RVER", "path_style": True}})}


@pytest.fixture(scope="module")
def s3rver():
    server = S3rver()
    yield server
    server.close()


@pytest.fixture(scope="module")
def server(s3rver):
    with Fanoutd(env=endpoints_env(s3rver)) as fanoutd:
        yield fanoutd


def today_utc():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")


def reference_config(interval=1, size=5, delimiter=True, compression="UNCOMPRESSED", prefix="landing_date"):
    config = {
        "RoleARN": ROLE,
        "BucketARN": f"arn:aws:s3:::{BUCKET}",
        "Prefix": f"{prefix}=!{{timestamp:yyyy-MM-dd}}/",
        "ErrorOutputPrefix": f"{prefix}-errors/!{{firehose:error-output-type}}/!{{timestamp:yyyy-MM-dd}}/",
        "BufferingHints": {"SizeInMBs": size, "IntervalInSeconds": interval},
        "CompressionFormat": compression,
    }
    if delimiter:
        config["ProcessingConfiguration"] = {"Enabled": True, "Processors": [{"Type": "AppendDelimiterToRecord"}]}
    return config


def create_active(firehose, name, config):
    arn = firehose.create_delivery_stream(DeliveryStreamName=name, DeliveryStreamType="DirectPut",
                                          ExtendedS3DestinationConfiguration=config)["DeliveryStreamARN"]
    assert arn == f"arn:aws:firehose:us-east-1:{ACCOUNT}:deliverystream/{name}"
    deadline = time.time() + 15
    while time.time() < deadline:
        status = firehose.describe_delivery_stream(DeliveryStreamName=name)["DeliveryStreamDescription"]
        if status["DeliveryStreamStatus"] == "ACTIVE":
            return arn
        assert status["DeliveryStreamStatus"] == "CREATING"
        time.sleep(0.2)
    pytest.fail("stream never became ACTIVE")


def wait_for_objects(s3rver, prefix, count=1, timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        found = s3rver.objects(prefix)
        if len(found) >= count:
            return found
        time.sleep(0.2)
    pytest.fail(f"expected {count} objects under {prefix}, found {s3rver.objects(prefix)}")


def put_batch(firehose, name, records):
    out = firehose.put_record_batch(DeliveryStreamName=name, Records=[{"Data": r} for r in records])
    assert out["FailedPutCount"] == 0
    assert len(out["RequestResponses"]) == len(records)
    assert all("RecordId" in r for r in out["RequestResponses"])


def test_reference_pipeline_direct_and_through_sns(server, s3rver, unique):
    firehose = client("firehose", server.endpoint)
    sns = client("sns", server.endpoint)
    direct = unique("direct")
    via_sns = unique("viasns")
    day = today_utc()
    create_active(firehose, direct, reference_config(prefix=direct))
    stream_arn = create_active(firehose, via_sns, reference_config(prefix=via_sns, delimiter=False))

    records = [json.dumps({"consumer": i, "name": f"c{i}"}).encode() for i in range(300)]
    put_batch(firehose, direct, records[:250])
    for r in records[250:]:
        assert "RecordId" in firehose.put_record(DeliveryStreamName=direct, Record={"Data": r})

    topic = sns.create_topic(Name=unique("created-consumer"))["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="firehose", Endpoint=stream_arn, ReturnSubscriptionArn=True,
                  Attributes={"SubscriptionRoleArn": ROLE, "RawMessageDelivery": "true"})
    enveloped_stream = unique("envelope")
    enveloped_arn = create_active(firehose, enveloped_stream, reference_config(prefix=enveloped_stream,
                                                                               delimiter=False))
    sns.subscribe(TopicArn=topic, Protocol="firehose", Endpoint=enveloped_arn,
                  Attributes={"SubscriptionRoleArn": ROLE})
    messages = [json.dumps({"event": "created", "n": i}) for i in range(5)]
    for m in messages:
        sns.publish(TopicArn=topic, Message=m)

    landed = wait_for_objects(s3rver, f"{direct}={day}/")
    body = b"".join(s3rver.read(o["Key"]) for o in landed)
    deadline = time.time() + 10
    while body.count(b"\n") < len(records) and time.time() < deadline:
        time.sleep(0.3)
        landed = s3rver.objects(f"{direct}={day}/")
        body = b"".join(s3rver.read(o["Key"]) for o in landed)
    assert body == b"".join(r + b"\n" for r in records)  # every record once, in order, newline-delimited
    for o in landed:
        name = o["Key"].split("/")[-1]
        assert name.startswith(f"{direct}-1-{day}-"), name

    raw = wait_for_objects(s3rver, f"{via_sns}={day}/")
    deadline = time.time() + 10
    while True:
        lines = b"".join(s3rver.read(o["Key"]) for o in s3rver.objects(f"{via_sns}={day}/")).decode().splitlines()
        if len(lines) >= len(messages) or time.time() > deadline:
            break
        time.sleep(0.3)
    assert raw and lines == messages

    deadline = time.time() + 15
    while True:
        env = b"".join(s3rver.read(o["Key"]) for o in s3rver.objects(f"{enveloped_stream}={day}/"))
        if env.count(b"\n") >= len(messages) or time.time() > deadline:
            break
        time.sleep(0.3)
    envelopes = [json.loads(line) for line in env.decode().splitlines()]
    assert [e["Message"] for e in envelopes] == messages
    assert all(e["Type"] == "Notification" and e["TopicArn"] == topic for e in envelopes)


def test_gzip_objects_are_readable_by_gunzip(server, s3rver, unique):
    firehose = client("firehose", server.endpoint)
    name = unique("gz")
    create_active(firehose, name, reference_config(prefix=name, compression="GZIP"))
    records = [f"line {i} {'x' * 80}".encode() for i in range(1000)]
    put_batch(firehose, name, records[:500])
    put_batch(firehose, name, records[500:])
    objects = wait_for_objects(s3rver, f"{name}={today_utc()}/")
    time.sleep(1.5)
    objects = s3rver.objects(f"{name}={today_utc()}/")
    out = b""
    for o in objects:
        assert o["Key"].endswith(".gz")
        gunzip = subprocess.run(["gunzip", "-c"], input=s3rver.read(o["Key"]), capture_output=True, check=True)
        out += gunzip.stdout
    assert out == b"".join(r + b"\n" for r in records)


def test_size_hint_flushes_before_the_interval(server, s3rver, unique):
    firehose = client("firehose", server.endpoint)
    name = unique("size")
    create_active(firehose, name, reference_config(prefix=name, size=1, interval=900))
    record = b"y" * 4000
    started = time.time()
    for _ in range(3):
        put_batch(firehose, name, [record] * 100)  # 1.2 MB in all
    objects = wait_for_objects(s3rver, f"{name}={today_utc()}/", timeout=10)
    assert time.time() - started < 10
    assert len(s3rver.read(objects[0]["Key"])) >= 1024 * 1024


def test_kill9_with_records_buffered_delivers_them_after_restart(s3rver, unique):
    name = unique("crash")
    data_dir = tempfile.mkdtemp(prefix="fanoutd-firehose-crash-")
    try:
        first = Fanoutd(data_dir=data_dir, env=endpoints_env(s3rver)).start()
        firehose = client("firehose", first.endpoint)
        create_active(firehose, name, reference_config(prefix=name, interval=4))
        records = [f"crash-{i}".encode() for i in range(700)]
        put_batch(firehose, name, records[:500])
        put_batch(firehose, name, records[500:])
        first.kill9()
        assert s3rver.objects(f"{name}=") == []  # nothing was delivered before the kill
        second = Fanoutd(data_dir=data_dir, port=first.port, env=endpoints_env(s3rver)).start()
        try:
            objects = wait_for_objects(s3rver, f"{name}={today_utc()}/", timeout=20)
            time.sleep(1)
            objects = s3rver.objects(f"{name}={today_utc()}/")
            body = b"".join(s3rver.read(o["Key"]) for o in objects)
            assert body.splitlines() == records  # none lost, none twice
        finally:
            second.stop()
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def remote_bucket_env(bucket, endpoint):
    return {"FANOUT_FIREHOSE_S3_ENDPOINTS": json.dumps({bucket: {
        "endpoint": endpoint, "access_key_id": "a", "secret_access_key": "b"}})}


def put_into_new_stream(firehose, name, bucket, data):
    """Creates stream `name` delivering at once (interval 0) into `bucket`, and puts one record."""
    config = reference_config(prefix=name, interval=0)
    config["BucketARN"] = f"arn:aws:s3:::{bucket}"
    create_active(firehose, name, config)
    firehose.put_record(DeliveryStreamName=name, Record={"Data": data})


def test_unreachable_destination_is_retried_and_reported(unique):
    # A bucket mapped to an endpoint nobody listens on.
    with Fanoutd(env=remote_bucket_env("nowhere", f"http://127.0.0.1:{free_port()}")) as fanoutd:
        firehose = client("firehose", fanoutd.endpoint)
        name = unique("down")
        put_into_new_stream(firehose, name, "nowhere", b"waiting")
        deadline = time.time() + 10
        while time.time() < deadline:
            description = firehose.describe_delivery_stream(DeliveryStreamName=name)["DeliveryStreamDescription"]
            if "FailureDescription" in description:
                break
            time.sleep(0.2)
        assert description["FailureDescription"]["Type"] == "UNKNOWN_ERROR"
        assert "S3." in description["FailureDescription"]["Details"]
        assert description["DeliveryStreamStatus"] == "ACTIVE"


def test_a_hanging_endpoint_holds_only_its_own_streams(unique):
    """An endpoint that accepts connections and never answers: its uploads wait (up to their
    timeout) on the destination's own threads, so a stream into this server's S3 still delivers at
    once, and SIGTERM stops fanoutd without waiting the uploads out."""
    hanging = socket.socket()
    hanging.bind(("127.0.0.1", 0))
    hanging.listen(64)  # the kernel completes each connection; nothing ever reads or answers
    try:
        with Fanoutd(env=remote_bucket_env("hangs", f"http://127.0.0.1:{hanging.getsockname()[1]}")) as fanoutd:
            firehose = client("firehose", fanoutd.endpoint)
            s3 = client("s3", fanoutd.endpoint)
            s3.create_bucket(Bucket="local-landing")
            for _ in range(4):  # more hanging uploads than Firehose has delivery threads (2)
                put_into_new_stream(firehose, unique("hangs"), "hangs", b"stuck")
            time.sleep(1)  # the uploads are under way (and hanging)
            name = unique("local")
            put_into_new_stream(firehose, name, "local-landing", b"through")
            deadline = time.time() + 5
            while not s3.list_objects_v2(Bucket="local-landing", Prefix=name).get("KeyCount"):
                assert time.time() < deadline, "the local stream waited behind the hanging endpoint"
                time.sleep(0.1)
            began = time.monotonic()
            assert fanoutd.stop() == 0
            assert time.monotonic() - began < 5
    finally:
        hanging.close()


def test_management_operations_and_errors(server, unique):
    firehose = client("firehose", server.endpoint)
    name = unique("mgmt")
    create_active(firehose, name, reference_config(prefix=name))

    def code_of(call, **kwargs):
        with pytest.raises(ClientError) as e:
            call(**kwargs)
        return e.value.response["Error"]["Code"]

    assert code_of(firehose.create_delivery_stream, DeliveryStreamName=name,
                   ExtendedS3DestinationConfiguration=reference_config()) == "ResourceInUseException"
    assert code_of(firehose.describe_delivery_stream, DeliveryStreamName=unique("none")) == \
        "ResourceNotFoundException"
    assert code_of(firehose.put_record, DeliveryStreamName=unique("none"), Record={"Data": b"x"}) == \
        "ResourceNotFoundException"
    # A stream still CREATING refuses records with an answer (it once dropped the connection).
    creating = unique("creating")
    firehose.create_delivery_stream(DeliveryStreamName=creating, ExtendedS3DestinationConfiguration=reference_config())
    assert code_of(firehose.put_record, DeliveryStreamName=creating, Record={"Data": b"x"}) == \
        "ResourceNotFoundException"
    assert code_of(firehose.put_record_batch, DeliveryStreamName=creating, Records=[{"Data": b"x"}]) == \
        "ResourceNotFoundException"
    bad = reference_config()
    del bad["ErrorOutputPrefix"]
    assert code_of(firehose.create_delivery_stream, DeliveryStreamName=unique("bad"),
                   ExtendedS3DestinationConfiguration=bad) == "InvalidArgumentException"
    too_big = reference_config()
    too_big["BufferingHints"] = {"SizeInMBs": 129, "IntervalInSeconds": 60}
    assert code_of(firehose.create_delivery_stream, DeliveryStreamName=unique("big"),
                   ExtendedS3DestinationConfiguration=too_big) in ("ValidationException", "InvalidArgumentException")

    description = firehose.describe_delivery_stream(DeliveryStreamName=name)["DeliveryStreamDescription"]
    assert description["VersionId"] == "1"
    assert description["DeliveryStreamType"] == "DirectPut"
    destination = description["Destinations"][0]
    assert destination["DestinationId"] == "destinationId-000000000001"
    assert destination["ExtendedS3DestinationDescription"]["Prefix"] == f"{name}=!{{timestamp:yyyy-MM-dd}}/"
    assert destination["S3DestinationDescription"]["BucketARN"] == f"arn:aws:s3:::{BUCKET}"
    assert code_of(firehose.update_destination, DeliveryStreamName=name, CurrentDeliveryStreamVersionId="9",
                   DestinationId="destinationId-000000000001",
                   ExtendedS3DestinationUpdate={"CompressionFormat": "GZIP"}) == "ConcurrentModificationException"
    firehose.update_destination(DeliveryStreamName=name, CurrentDeliveryStreamVersionId="1",
                                DestinationId="destinationId-000000000001",
                                ExtendedS3DestinationUpdate={"CompressionFormat": "GZIP"})
    description = firehose.describe_delivery_stream(DeliveryStreamName=name)["DeliveryStreamDescription"]
    assert description["VersionId"] == "2"
    assert description["Destinations"][0]["ExtendedS3DestinationDescription"]["CompressionFormat"] == "GZIP"

    firehose.tag_delivery_stream(DeliveryStreamName=name, Tags=[{"Key": "team", "Value": "data"},
                                                                {"Key": "env", "Value": "test"}])
    tags = firehose.list_tags_for_delivery_stream(DeliveryStreamName=name, Limit=1)
    assert tags["Tags"] == [{"Key": "env", "Value": "test"}] and tags["HasMoreTags"] is True
    firehose.untag_delivery_stream(DeliveryStreamName=name, TagKeys=["env"])
    assert firehose.list_tags_for_delivery_stream(DeliveryStreamName=name)["Tags"] == [{"Key": "team",
                                                                                        "Value": "data"}]
    firehose.start_delivery_stream_encryption(DeliveryStreamName=name,
                                              DeliveryStreamEncryptionConfigurationInput={"KeyType": "AWS_OWNED_CMK"})
    enc = firehose.describe_delivery_stream(DeliveryStreamName=name)["DeliveryStreamDescription"][
        "DeliveryStreamEncryptionConfiguration"]
    assert enc["Status"] == "ENABLED" and enc["KeyType"] == "AWS_OWNED_CMK"
    firehose.stop_delivery_stream_encryption(DeliveryStreamName=name)

    names = firehose.list_delivery_streams(Limit=10000)["DeliveryStreamNames"]
    assert name in names and names == sorted(names)
    firehose.delete_delivery_stream(DeliveryStreamName=name)
    assert code_of(firehose.describe_delivery_stream, DeliveryStreamName=name) == "ResourceNotFoundException"
