"""Firehose into this server's own S3 (boto3): the reference settings land records as plain files
under <data-dir>/s3/<account>/<bucket>/landing_date=<today UTC>/, directly and through an SNS
firehose subscription; GZIP files gunzip; a missing bucket is retried and reported, then
delivered once the bucket exists; kill -9 with records buffered loses nothing."""
import glob
import os
import shutil
import subprocess
import tempfile
import time

import pytest

from conftest import client
from fanoutd_process import Fanoutd
from test_firehose import ACCOUNT, ROLE, create_active, put_batch, reference_config, today_utc


def landed_files(data_dir, bucket, prefix):
    root = os.path.join(data_dir, "s3", ACCOUNT, bucket, prefix)
    return sorted(glob.glob(os.path.join(root, "*")), key=lambda p: (os.path.getmtime(p), p))


def wait_for_lines(data_dir, bucket, prefix, count, timeout=20, decompress=False):
    deadline = time.time() + timeout
    while True:
        files = landed_files(data_dir, bucket, prefix)
        body = b""
        for path in files:
            with open(path, "rb") as f:
                data = f.read()
            body += subprocess.run(["gunzip", "-c"], input=data, capture_output=True, check=True).stdout \
                if decompress else data
        lines = body.decode().splitlines()
        if len(lines) >= count or time.time() > deadline:
            return files, lines
        time.sleep(0.2)


def with_stream_config(bucket, prefix, **kwargs):
    config = reference_config(prefix=prefix, **kwargs)
    config["BucketARN"] = f"arn:aws:s3:::{bucket}"
    return config


def test_reference_pipeline_lands_files_in_the_data_dir(fanoutd, unique):
    s3 = client("s3", fanoutd.endpoint)
    firehose = client("firehose", fanoutd.endpoint)
    sns = client("sns", fanoutd.endpoint)
    bucket = unique("landing")
    s3.create_bucket(Bucket=bucket)
    direct, via_sns, gz = unique("direct"), unique("sns"), unique("gz")
    create_active(firehose, direct, with_stream_config(bucket, "landing_date"))
    create_active(firehose, gz, with_stream_config(bucket, gz, compression="GZIP"))
    sns_arn = create_active(firehose, via_sns, with_stream_config(bucket, via_sns, delimiter=False))

    records = [f'{{"consumer":{i}}}'.encode() for i in range(600)]
    put_batch(firehose, direct, records[:500])
    put_batch(firehose, direct, records[500:])
    put_batch(firehose, gz, records[:100])
    topic = sns.create_topic(Name=unique("created-consumer"))["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="firehose", Endpoint=sns_arn,
                  Attributes={"SubscriptionRoleArn": ROLE, "RawMessageDelivery": "true"})
    for i in range(3):
        sns.publish(TopicArn=topic, Message=f"event-{i}")

    day = today_utc()
    files, lines = wait_for_lines(fanoutd.data_dir, bucket, f"landing_date={day}", len(records))
    assert files, "nothing landed under landing_date=<today>"
    assert lines == [r.decode() for r in records]
    assert all(os.path.basename(p).startswith(f"{direct}-1-{day}-") for p in files)
    listed = s3.list_objects_v2(Bucket=bucket, Prefix=f"landing_date={day}/")["Contents"]
    assert {o["Key"] for o in listed} == {f"landing_date={day}/" + os.path.basename(p) for p in files}

    files, lines = wait_for_lines(fanoutd.data_dir, bucket, f"{gz}={day}", 100, decompress=True)
    assert all(p.endswith(".gz") for p in files) and lines == [r.decode() for r in records[:100]]
    _, lines = wait_for_lines(fanoutd.data_dir, bucket, f"{via_sns}={day}", 3)
    assert lines == ["event-0", "event-1", "event-2"]


def test_missing_bucket_is_retried_until_it_exists(fanoutd, unique):
    s3 = client("s3", fanoutd.endpoint)
    firehose = client("firehose", fanoutd.endpoint)
    bucket, name = unique("later"), unique("retry")
    create_active(firehose, name, with_stream_config(bucket, "d", interval=0))
    firehose.put_record(DeliveryStreamName=name, Record={"Data": b"patience"})
    deadline = time.time() + 10
    while time.time() < deadline:
        d = firehose.describe_delivery_stream(DeliveryStreamName=name)["DeliveryStreamDescription"]
        if "FailureDescription" in d:
            break
        time.sleep(0.2)
    assert "NoSuchBucket" in d["FailureDescription"]["Details"]
    s3.create_bucket(Bucket=bucket)
    _, lines = wait_for_lines(fanoutd.data_dir, bucket, f"d={today_utc()}", 1, timeout=40)
    assert lines == ["patience"]


def test_kill9_with_buffered_records_lands_them_after_restart(unique):
    data_dir = tempfile.mkdtemp(prefix="fanoutd-firehose-local-")
    try:
        first = Fanoutd(data_dir=data_dir).start()
        s3 = client("s3", first.endpoint)
        firehose = client("firehose", first.endpoint)
        bucket, name = unique("crash"), unique("crash")
        s3.create_bucket(Bucket=bucket)
        create_active(firehose, name, with_stream_config(bucket, "landing_date", interval=4))
        records = [f"r{i}".encode() for i in range(900)]
        put_batch(firehose, name, records[:500])
        put_batch(firehose, name, records[500:])
        first.kill9()
        assert landed_files(data_dir, bucket, f"landing_date={today_utc()}") == []
        second = Fanoutd(data_dir=data_dir, port=first.port).start()
        try:
            _, lines = wait_for_lines(data_dir, bucket, f"landing_date={today_utc()}", len(records))
            assert lines == [r.decode() for r in records]
        finally:
            second.stop()
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
