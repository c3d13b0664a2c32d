"""Disk full (issue 9): fanoutd's data dir on a small tmpfs. When the disk fills, writes fail with
a clear 5xx in the service's format and nothing acknowledged is lost; reads keep working; writes
succeed again as soon as space is freed; a kill -9 afterwards keeps everything acknowledged."""
import os
import subprocess
import tempfile
import time

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

from conftest import client
from fanoutd_process import Fanoutd

BODY = "x" * 60_000


@pytest.fixture
def small_disk():
    mount_point = tempfile.mkdtemp(prefix="fanoutd-tmpfs-")
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", mount_point],
                            capture_output=True, text=True)
    if result.returncode != 0:
        os.rmdir(mount_point)
        pytest.skip(f"cannot mount a tmpfs (needs root / CAP_SYS_ADMIN): {result.stderr.strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", mount_point], check=False)
        os.rmdir(mount_point)


def fill(path):
    """Writes a filler file until the file system says ENOSPC (unbuffered: every byte lands)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        for size in (1 << 20, 4096, 1):
            try:
                while True:
                    os.write(fd, b"\0" * size)
            except OSError:
                pass
    finally:
        os.close(fd)


def test_disk_full_fails_writes_cleanly_keeps_reads_and_recovers(small_disk):
    data_dir = os.path.join(small_disk, "data")
    filler = os.path.join(small_disk, "filler")
    server = Fanoutd(data_dir=data_dir).start()
    try:
        sqs, s3 = client("sqs", server.endpoint), client("s3", server.endpoint)
        url = sqs.create_queue(QueueName="full")["QueueUrl"]
        s3.create_bucket(Bucket="full")
        s3.put_object(Bucket="full", Key="before", Body=b"kept")
        acked = set()
        for i in range(20):
            sqs.send_message(QueueUrl=url, MessageBody=f"{i}:{BODY}")
            acked.add(str(i))

        fill(filler)
        failures = []
        for i in range(20, 220):
            try:
                sqs.send_message(QueueUrl=url, MessageBody=f"{i}:{BODY}")
                acked.add(str(i))
            except ClientError as e:
                failures.append((e.response["ResponseMetadata"]["HTTPStatusCode"], e.response["Error"]["Code"]))
                if len(failures) == 5:
                    break
        assert failures, "no send failed on a full disk"
        # AWS's shape for a server-side failure: InternalFailure, 500 (never a 4xx blaming the caller).
        assert all(status == 500 and code == "InternalFailure" for status, code in failures), failures[:5]
        with pytest.raises(ClientError) as info:
            s3.put_object(Bucket="full", Key="during", Body=os.urandom(4 << 20))
        assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] >= 500, info.value.response

        # Reads keep working on the full disk.
        assert s3.get_object(Bucket="full", Key="before")["Body"].read() == b"kept"
        assert sqs.get_queue_url(QueueName="full")["QueueUrl"] == url
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
        assert int(attributes["Attributes"]["ApproximateNumberOfMessages"]) >= len(acked)
        assert server.proc.poll() is None, "fanoutd died on a full disk"

        # Space returns: writes succeed again without a restart.
        os.remove(filler)
        deadline = time.time() + 10
        while True:
            try:
                sqs.send_message(QueueUrl=url, MessageBody=f"after:{BODY}")
                acked.add("after")
                break
            except ClientError:
                assert time.time() < deadline, "writes did not recover after space was freed"
                time.sleep(0.2)
        s3.put_object(Bucket="full", Key="after", Body=b"again")

        # Nothing acknowledged was lost, across a kill -9 too.
        server.kill9()
        server.start()
        sqs = client("sqs", server.endpoint)
        received = set()
        deadline = time.time() + 30
        while not acked <= received and time.time() < deadline:
            for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get(
                    "Messages", []):
                received.add(m["Body"].split(":", 1)[0])
                sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
        assert acked <= received, sorted(acked - received, key=str)[:20]
        assert client("s3", server.endpoint).get_object(Bucket="full", Key="after")["Body"].read() == b"again"
    finally:
        try:
            server.close()
        except (RuntimeError, EndpointConnectionError):
            pass
