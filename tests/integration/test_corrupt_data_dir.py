"""A corrupted data dir (issue 9) is detected when fanoutd starts: a clear message naming the
problem and a non-zero exit, never a server that comes up with part of its state missing.

A flipped byte inside a data block of a table that start-up does not read (SQS message bodies are
read on receive) is caught by RocksDB's block checksum on that read: the call fails with
InternalFailure and the message stays. `--verify-data` reads every block at start instead, and every
single-part S3 object's file against its ETag, for those who prefer a slower start to finding out
later."""
import os
import pathlib
import shutil
import subprocess

import pytest

from conftest import client
from fanoutd_process import Fanoutd

LDB = shutil.which("ldb")  # Debian's rocksdb-tools (scripts/bootstrap)


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    """A data dir with queues, messages, a bucket and objects, cleanly stopped, its state in SSTs."""
    data_dir = tmp_path_factory.mktemp("pristine") / "data"
    with Fanoutd(data_dir=str(data_dir), durability="relaxed") as server:
        sqs, s3 = client("sqs", server.endpoint), client("s3", server.endpoint)
        url = sqs.create_queue(QueueName="kept")["QueueUrl"]
        for i in range(150):
            sqs.send_message(QueueUrl=url, MessageBody=f"message {i} " + "x" * 2000)
        s3.create_bucket(Bucket="kept")
        for i in range(20):
            s3.put_object(Bucket="kept", Key=f"object-{i}", Body=b"body")
    # Move everything from the WAL into SST files (ldb opens the DB and compacts it, flushing first).
    if LDB:
        listed = subprocess.run([LDB, f"--db={data_dir}", "list_column_families"], check=True,
                                capture_output=True, text=True).stdout
        families = listed[listed.index("{") + 1:listed.rindex("}")].split(",")
        for family in (f.strip() for f in families):
            subprocess.run([LDB, f"--db={data_dir}", f"--column_family={family}", "compact"], check=True,
                           capture_output=True)
    return data_dir


@pytest.fixture
def copy(pristine, tmp_path):
    data_dir = tmp_path / "data"
    shutil.copytree(pristine, data_dir)
    return data_dir


def start_fails(data_dir, *args):
    """Starts fanoutd on the dir; returns its output after it exits (it must not come up)."""
    server = Fanoutd(*args, data_dir=str(data_dir), durability="relaxed")
    with pytest.raises(RuntimeError, match="exited with [1-9]"):
        server.start(timeout=30)
    output = server.read_log()
    server.proc = None
    server.close()
    return output


def files(data_dir, pattern):
    return sorted(pathlib.Path(data_dir).glob(pattern), key=lambda p: p.stat().st_size)


def test_the_pristine_copy_starts_and_has_everything(copy):
    with Fanoutd(data_dir=str(copy), durability="relaxed") as server:
        sqs = client("sqs", server.endpoint)
        url = sqs.get_queue_url(QueueName="kept")["QueueUrl"]
        count = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
        assert count["Attributes"]["ApproximateNumberOfMessages"] == "150"
        listed = client("s3", server.endpoint).list_objects_v2(Bucket="kept")
        assert listed["KeyCount"] == 20


def test_garbage_current_file(copy):
    (copy / "CURRENT").write_bytes(b"\x00garbage\xff\n")
    output = start_fails(copy)
    assert "cannot open data dir" in output and str(copy) in output, output


def test_truncated_manifest(copy):
    manifest = files(copy, "MANIFEST-*")[-1]
    with open(manifest, "r+b") as f:
        f.truncate(manifest.stat().st_size // 2)
    output = start_fails(copy)
    assert "cannot open data dir" in output, output


@pytest.mark.skipif(LDB is None, reason="needs ldb (Debian rocksdb-tools) to flush the state into SSTs")
def test_truncated_table_file(copy):
    table = files(copy, "*.sst")[-1]
    with open(table, "r+b") as f:
        f.truncate(table.stat().st_size // 2)
    output = start_fails(copy)
    assert "cannot open data dir" in output or "Corruption" in output, output


@pytest.mark.skipif(LDB is None, reason="needs ldb (Debian rocksdb-tools) to edit a record in place")
def test_bad_s3_object_metadata(copy):
    # A record RocksDB itself finds intact but whose content is not object metadata.
    key = (b"kept\x00object-7").hex()
    subprocess.run([LDB, f"--db={copy}", "--column_family=s3_objects", "--key_hex", "put", f"0x{key}",
                    "not-metadata"], check=True, capture_output=True)
    output = start_fails(copy)
    assert "s3" in output and "object-7" in output and "corrupt" in output, output


@pytest.mark.skipif(LDB is None, reason="needs ldb (Debian rocksdb-tools) to edit a record in place")
def test_bad_s3_bucket_record(copy):
    subprocess.run([LDB, f"--db={copy}", "--column_family=s3_buckets", "put", "kept", "{not json"],
                   check=True, capture_output=True)
    output = start_fails(copy)
    assert "s3" in output and "kept" in output and "corrupt" in output, output


@pytest.mark.skipif(LDB is None, reason="needs ldb (Debian rocksdb-tools) to flush the state into SSTs")
def test_verify_data_finds_a_flipped_byte_in_a_block_start_up_never_reads(copy):
    with Fanoutd("--verify-data", data_dir=str(copy), durability="relaxed") as server:
        listed = client("s3", server.endpoint).list_objects_v2(Bucket="kept")
        assert listed["KeyCount"] == 20
    # The bodies' table (the largest): a byte a quarter of the way in is inside a data block.
    table = files(copy, "*.sst")[-1]
    with open(table, "r+b") as f:
        f.seek(table.stat().st_size // 4)
        byte = f.read(1)
        f.seek(-1, os.SEEK_CUR)
        f.write(bytes([byte[0] ^ 0xFF]))
    output = start_fails(copy, "--verify-data")
    assert "verifying every block failed" in output and "Corruption" in output and str(copy) in output, output


def test_verify_data_finds_an_s3_object_whose_file_no_longer_matches_its_etag(copy):
    # Bit rot in an object's file: same size and modification time, other bytes. Start-up without
    # --verify-data only compares size and mtime, so it serves the damaged body.
    body = next(p for p in (copy / "s3").rglob("object-7") if p.is_file())
    stat = body.stat()
    body.write_bytes(b"BODY")
    os.utime(body, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    output = start_fails(copy, "--verify-data")
    assert "kept/object-7" in output and "no longer matches its ETag" in output, output
