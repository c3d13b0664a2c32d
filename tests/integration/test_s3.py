"""S3 through boto3 (run under Debian's boto3 1.26 and the current PyPI boto3, whose default
checksums stream as aws-chunked with a CRC32 trailer), against a fanoutd that verifies SigV4."""
import base64
import hashlib
import os
import urllib.request
import zlib

import pytest
from botocore.exceptions import ClientError

from fanoutd_process import Fanoutd
from s3_support import (CREDENTIAL_ARGS, OTHER_KEY, OTHER_SECRET, bucket_dir, s3_client, signed_request)


@pytest.fixture(scope="module")
def server():
    with Fanoutd(*CREDENTIAL_ARGS) as s:
        yield s


@pytest.fixture(scope="module")
def s3(server):
    return s3_client(server.endpoint)


@pytest.fixture
def bucket(s3, unique):
    name = unique("bkt")
    s3.create_bucket(Bucket=name)
    return name


def sha_of_other(data):
    return base64.b64encode(hashlib.sha256(data + b"!").digest()).decode()


def error_of(excinfo):
    return excinfo.value.response["Error"]["Code"], excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"]


def test_bucket_lifecycle_and_errors(server, s3, unique):
    name = unique("life")
    s3.create_bucket(Bucket=name)
    assert name in [b["Name"] for b in s3.list_buckets()["Buckets"]]
    s3.head_bucket(Bucket=name)
    assert s3.get_bucket_location(Bucket=name)["LocationConstraint"] is None
    s3.create_bucket(Bucket=name)  # us-east-1 answers 200 to the owner again
    other = s3_client(server.endpoint, key=OTHER_KEY, secret=OTHER_SECRET)
    with pytest.raises(ClientError) as e:
        other.create_bucket(Bucket=name)
    assert error_of(e) == ("BucketAlreadyExists", 409)
    assert name not in [b["Name"] for b in other.list_buckets()["Buckets"]]
    with pytest.raises(ClientError) as e:
        s3.create_bucket(Bucket="Not_A_Valid_Name")
    assert error_of(e) == ("InvalidBucketName", 400)
    eu = unique("eu")
    s3.create_bucket(Bucket=eu, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    assert s3.get_bucket_location(Bucket=eu)["LocationConstraint"] == "eu-west-1"
    s3.put_object(Bucket=name, Key="k", Body=b"v")
    with pytest.raises(ClientError) as e:
        s3.delete_bucket(Bucket=name)
    assert error_of(e) == ("BucketNotEmpty", 409)
    s3.delete_object(Bucket=name, Key="k")
    s3.delete_bucket(Bucket=name)
    with pytest.raises(ClientError) as e:
        s3.head_bucket(Bucket=name)
    assert error_of(e)[1] == 404
    with pytest.raises(ClientError) as e:
        s3.list_objects_v2(Bucket=name)
    assert error_of(e) == ("NoSuchBucket", 404)
    assert not os.path.exists(bucket_dir(server.data_dir, name))


def test_put_get_metadata_and_file_on_disk(server, s3, bucket):
    body = b"hello, fanout\n" * 100
    put = s3.put_object(Bucket=bucket, Key="landing_date=2024-05-01/part 1.json", Body=body,
                        ContentType="application/json", ContentEncoding="identity",
                        ContentDisposition="attachment", Metadata={"Origin": "test", "n": "1"})
    assert put["ETag"] == '"%s"' % hashlib.md5(body).hexdigest()
    got = s3.get_object(Bucket=bucket, Key="landing_date=2024-05-01/part 1.json")
    assert got["Body"].read() == body
    assert got["ContentType"] == "application/json"
    assert got["ContentEncoding"] == "identity"
    assert got["ContentDisposition"] == "attachment"
    assert got["Metadata"] == {"origin": "test", "n": "1"}
    assert got["ETag"] == put["ETag"]
    path = os.path.join(bucket_dir(server.data_dir, bucket), "landing_date=2024-05-01", "part 1.json")
    with open(path, "rb") as f:
        assert f.read() == body
    head = s3.head_object(Bucket=bucket, Key="landing_date=2024-05-01/part 1.json")
    assert head["ContentLength"] == len(body)
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=bucket, Key="missing")
    assert error_of(e) == ("NoSuchKey", 404)
    with pytest.raises(ClientError) as e:
        s3.head_object(Bucket=bucket, Key="missing")
    assert error_of(e)[1] == 404


def test_ranges_conditionals_and_overrides(s3, bucket):
    body = bytes(range(256)) * 4
    etag = s3.put_object(Bucket=bucket, Key="r", Body=body)["ETag"]
    part = s3.get_object(Bucket=bucket, Key="r", Range="bytes=10-19")
    assert part["Body"].read() == body[10:20]
    assert part["ContentRange"] == f"bytes 10-19/{len(body)}"
    assert s3.get_object(Bucket=bucket, Key="r", Range="bytes=-5")["Body"].read() == body[-5:]
    assert s3.get_object(Bucket=bucket, Key="r", Range="bytes=1000-")["Body"].read() == body[1000:]
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=bucket, Key="r", Range=f"bytes={len(body)}-")
    assert error_of(e) == ("InvalidRange", 416)
    assert s3.get_object(Bucket=bucket, Key="r", IfMatch=etag)["Body"].read() == body
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=bucket, Key="r", IfMatch='"0123"')
    assert error_of(e) == ("PreconditionFailed", 412)
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=bucket, Key="r", IfNoneMatch=etag)
    assert error_of(e)[1] == 304
    import datetime
    future = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=1)
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=bucket, Key="r", IfModifiedSince=future)
    assert error_of(e)[1] == 304
    past = datetime.datetime(2000, 1, 1, tzinfo=datetime.timezone.utc)
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=bucket, Key="r", IfUnmodifiedSince=past)
    assert error_of(e) == ("PreconditionFailed", 412)
    got = s3.get_object(Bucket=bucket, Key="r", ResponseContentType="text/x-test",
                        ResponseContentDisposition="inline", ResponseCacheControl="no-cache")
    assert got["ContentType"] == "text/x-test"
    assert got["ContentDisposition"] == "inline"
    assert got["CacheControl"] == "no-cache"


def test_checksums_and_digests(s3, bucket):
    body = b"checksummed body " * 1000
    crc = base64.b64encode(zlib.crc32(body).to_bytes(4, "big")).decode()
    put = s3.put_object(Bucket=bucket, Key="c", Body=body, ChecksumAlgorithm="CRC32")
    assert put.get("ChecksumCRC32") == crc
    got = s3.get_object(Bucket=bucket, Key="c", ChecksumMode="ENABLED")
    assert got["Body"].read() == body
    assert got["ChecksumCRC32"] == crc
    # Above 1 MiB the digests run on a second thread beside the receive.
    large = os.urandom(3 * 1024 * 1024 + 5)
    large_sha = base64.b64encode(hashlib.sha256(large).digest()).decode()
    put = s3.put_object(Bucket=bucket, Key="large", Body=large, ChecksumSHA256=large_sha)
    assert put["ETag"] == '"%s"' % hashlib.md5(large).hexdigest()
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket=bucket, Key="large-bad", Body=large, ChecksumSHA256=sha_of_other(large))
    assert error_of(e) == ("BadDigest", 400)
    sha = base64.b64encode(hashlib.sha256(body).digest()).decode()
    s3.put_object(Bucket=bucket, Key="s", Body=body, ChecksumSHA256=sha)
    assert s3.head_object(Bucket=bucket, Key="s", ChecksumMode="ENABLED")["ChecksumSHA256"] == sha
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket=bucket, Key="bad", Body=body, ChecksumCRC32="AAAAAA==")
    assert error_of(e) == ("BadDigest", 400)
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket=bucket, Key="bad", Body=body,
                      ContentMD5=base64.b64encode(hashlib.md5(b"other").digest()).decode())
    assert error_of(e) == ("BadDigest", 400)
    with pytest.raises(ClientError) as e:
        s3.head_object(Bucket=bucket, Key="bad")
    assert error_of(e)[1] == 404


def test_listings(s3, bucket):
    keys = ["a/1", "a/2", "b", "c/x/1", "c/y", "d e+f", "z"]
    for key in keys:
        s3.put_object(Bucket=bucket, Key=key, Body=key.encode())
    listing = s3.list_objects_v2(Bucket=bucket, Delimiter="/")
    assert [o["Key"] for o in listing["Contents"]] == ["b", "d e+f", "z"]
    assert [p["Prefix"] for p in listing["CommonPrefixes"]] == ["a/", "c/"]
    assert listing["KeyCount"] == 5
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, PaginationConfig={"PageSize": 2})
    seen = [o["Key"] for page in pages for o in page.get("Contents", [])]
    assert seen == sorted(keys)
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix="c/")["Contents"]] == ["c/x/1", "c/y"]
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket, StartAfter="c/y")["Contents"]] == ["d e+f", "z"]
    v1 = s3.list_objects(Bucket=bucket, Marker="b", MaxKeys=2)
    assert [o["Key"] for o in v1["Contents"]] == ["c/x/1", "c/y"]
    assert v1["IsTruncated"] is True
    pages = s3.get_paginator("list_objects").paginate(Bucket=bucket, Delimiter="/", PaginationConfig={"PageSize": 1})
    prefixes = [p["Prefix"] for page in pages for p in page.get("CommonPrefixes", [])]
    assert prefixes == ["a/", "c/"]
    # botocore asks for encoding-type=url and decodes; the keys must come back unchanged.
    assert "d e+f" in [o["Key"] for o in s3.list_objects(Bucket=bucket)["Contents"]]
    with pytest.raises(ClientError) as e:
        s3.list_objects_v2(Bucket=bucket, ContinuationToken="not-a-token")
    assert error_of(e) == ("InvalidArgument", 400)


def test_copy_delete_objects_and_tagging(s3, bucket):
    s3.put_object(Bucket=bucket, Key="src", Body=b"copy me", ContentType="text/plain", Metadata={"a": "1"},
                  Tagging="team=data&env=test")
    assert s3.get_object_tagging(Bucket=bucket, Key="src")["TagSet"] == [
        {"Key": "team", "Value": "data"}, {"Key": "env", "Value": "test"}]
    copied = s3.copy_object(Bucket=bucket, Key="dst", CopySource={"Bucket": bucket, "Key": "src"})
    assert copied["CopyObjectResult"]["ETag"] == '"%s"' % hashlib.md5(b"copy me").hexdigest()
    dst = s3.get_object(Bucket=bucket, Key="dst")
    assert dst["Body"].read() == b"copy me" and dst["Metadata"] == {"a": "1"} and dst["ContentType"] == "text/plain"
    s3.copy_object(Bucket=bucket, Key="dst2", CopySource=f"{bucket}/src", MetadataDirective="REPLACE",
                   Metadata={"b": "2"}, ContentType="application/x-new")
    dst2 = s3.head_object(Bucket=bucket, Key="dst2")
    assert dst2["Metadata"] == {"b": "2"} and dst2["ContentType"] == "application/x-new"
    with pytest.raises(ClientError) as e:
        s3.copy_object(Bucket=bucket, Key="src", CopySource={"Bucket": bucket, "Key": "src"})
    assert error_of(e) == ("InvalidRequest", 400)
    with pytest.raises(ClientError) as e:
        s3.copy_object(Bucket=bucket, Key="x", CopySource={"Bucket": bucket, "Key": "nope"})
    assert error_of(e) == ("NoSuchKey", 404)
    s3.put_object_tagging(Bucket=bucket, Key="dst", Tagging={"TagSet": [{"Key": "k", "Value": "v"}]})
    assert s3.get_object_tagging(Bucket=bucket, Key="dst")["TagSet"] == [{"Key": "k", "Value": "v"}]
    s3.delete_object_tagging(Bucket=bucket, Key="dst")
    assert s3.get_object_tagging(Bucket=bucket, Key="dst")["TagSet"] == []
    result = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "src"}, {"Key": "dst"}, {"Key": "never"}]})
    assert sorted(d["Key"] for d in result["Deleted"]) == ["dst", "never", "src"]
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == ["dst2"]


def test_bucket_policy_and_tagging(s3, bucket):
    with pytest.raises(ClientError) as e:
        s3.get_bucket_policy(Bucket=bucket)
    assert error_of(e) == ("NoSuchBucketPolicy", 404)
    policy = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::%s/*"}]}' % bucket
    s3.put_bucket_policy(Bucket=bucket, Policy=policy)
    assert s3.get_bucket_policy(Bucket=bucket)["Policy"] == policy
    s3.delete_bucket_policy(Bucket=bucket)
    with pytest.raises(ClientError):
        s3.get_bucket_policy(Bucket=bucket)
    with pytest.raises(ClientError) as e:
        s3.get_bucket_tagging(Bucket=bucket)
    assert error_of(e) == ("NoSuchTagSet", 404)
    s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": [{"Key": "cost", "Value": "1"}]})
    assert s3.get_bucket_tagging(Bucket=bucket)["TagSet"] == [{"Key": "cost", "Value": "1"}]
    # Subresources fanoutd does not implement get AWS's NotImplemented, not a fake success.
    with pytest.raises(ClientError) as e:
        s3.get_bucket_cors(Bucket=bucket)
    assert error_of(e) == ("NotImplemented", 501)


def test_multipart(s3, bucket, tmp_path):
    from boto3.s3.transfer import TransferConfig
    data = os.urandom(12 * 1024 * 1024 + 123)
    path = tmp_path / "big.bin"
    path.write_bytes(data)
    s3.upload_file(str(path), bucket, "big.bin",
                   Config=TransferConfig(multipart_threshold=5 * 1024 * 1024, multipart_chunksize=5 * 1024 * 1024))
    head = s3.head_object(Bucket=bucket, Key="big.bin")
    assert head["ContentLength"] == len(data)
    assert head["ETag"].endswith('-3"')
    assert s3.get_object(Bucket=bucket, Key="big.bin")["Body"].read() == data

    upload = s3.create_multipart_upload(Bucket=bucket, Key="manual")["UploadId"]
    assert [u["UploadId"] for u in s3.list_multipart_uploads(Bucket=bucket)["Uploads"]] == [upload]
    p1 = s3.upload_part(Bucket=bucket, Key="manual", UploadId=upload, PartNumber=1, Body=b"small")["ETag"]
    p2 = s3.upload_part(Bucket=bucket, Key="manual", UploadId=upload, PartNumber=2, Body=b"tail")["ETag"]
    assert [p["PartNumber"] for p in s3.list_parts(Bucket=bucket, Key="manual", UploadId=upload)["Parts"]] == [1, 2]
    with pytest.raises(ClientError) as e:
        s3.complete_multipart_upload(Bucket=bucket, Key="manual", UploadId=upload, MultipartUpload={
            "Parts": [{"PartNumber": 1, "ETag": p1}, {"PartNumber": 2, "ETag": p2}]})
    assert error_of(e) == ("EntityTooSmall", 400)
    with pytest.raises(ClientError) as e:
        s3.complete_multipart_upload(Bucket=bucket, Key="manual", UploadId=upload, MultipartUpload={
            "Parts": [{"PartNumber": 2, "ETag": p2}, {"PartNumber": 1, "ETag": p1}]})
    assert error_of(e) == ("InvalidPartOrder", 400)
    with pytest.raises(ClientError) as e:
        s3.complete_multipart_upload(Bucket=bucket, Key="manual", UploadId=upload, MultipartUpload={
            "Parts": [{"PartNumber": 1, "ETag": '"00000000000000000000000000000000"'}]})
    assert error_of(e) == ("InvalidPart", 400)
    big = os.urandom(5 * 1024 * 1024)
    p1 = s3.upload_part(Bucket=bucket, Key="manual", UploadId=upload, PartNumber=1, Body=big)["ETag"]
    s3.upload_part_copy(Bucket=bucket, Key="manual", UploadId=upload, PartNumber=2,
                        CopySource={"Bucket": bucket, "Key": "big.bin"}, CopySourceRange="bytes=0-99")
    parts = s3.list_parts(Bucket=bucket, Key="manual", UploadId=upload)["Parts"]
    done = s3.complete_multipart_upload(Bucket=bucket, Key="manual", UploadId=upload, MultipartUpload={
        "Parts": [{"PartNumber": p["PartNumber"], "ETag": p["ETag"]} for p in parts]})
    md5s = hashlib.md5(big).digest() + hashlib.md5(data[:100]).digest()
    assert done["ETag"] == '"%s-2"' % hashlib.md5(md5s).hexdigest()
    assert s3.get_object(Bucket=bucket, Key="manual")["Body"].read() == big + data[:100]
    with pytest.raises(ClientError) as e:
        s3.list_parts(Bucket=bucket, Key="manual", UploadId=upload)
    assert error_of(e) == ("NoSuchUpload", 404)
    other = s3.create_multipart_upload(Bucket=bucket, Key="aborted")["UploadId"]
    s3.abort_multipart_upload(Bucket=bucket, Key="aborted", UploadId=other)
    with pytest.raises(ClientError) as e:
        s3.upload_part(Bucket=bucket, Key="aborted", UploadId=other, PartNumber=1, Body=b"x")
    assert error_of(e) == ("NoSuchUpload", 404)


def test_traversal_keys_stay_in_the_bucket(server, s3, bucket):
    keys = ["../../escape.txt", "a/../../../b", "/leading", "double//slash", "folder/", "..", "x/./y",
            "k" * 300, "a", "a/b"]
    for key in keys:
        s3.put_object(Bucket=bucket, Key=key, Body=key.encode())
    for key in keys:
        assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == key.encode()
    assert sorted(o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]) == sorted(keys)
    root = os.path.realpath(bucket_dir(server.data_dir, bucket))
    data = os.path.realpath(server.data_dir)
    for dirpath, dirnames, filenames in os.walk(data):
        for name in filenames:
            full = os.path.realpath(os.path.join(dirpath, name))
            rel = os.path.relpath(full, data)
            assert full.startswith(root + os.sep) or not rel.startswith("s3" + os.sep) or \
                rel.split(os.sep)[1] in (".tmp", ".uploads") or rel.split(os.sep)[2] != bucket, rel
    assert not os.path.exists(os.path.join(data, "escape.txt"))
    assert not os.path.exists(os.path.join(data, "s3", "escape.txt"))
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket=bucket, Key="k" * 1025, Body=b"x")
    assert error_of(e) == ("KeyTooLongError", 400)


def test_presigned_urls(server, bucket):
    # SigV4 query authentication (what `aws s3 presign` and current SDKs produce).
    s3 = s3_client(server.endpoint, signature_version="s3v4")
    s3.put_object(Bucket=bucket, Key="p.txt", Body=b"presigned")
    url = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "p.txt"}, ExpiresIn=60)
    with urllib.request.urlopen(url) as r:
        assert r.read() == b"presigned"
    put_url = s3.generate_presigned_url("put_object", Params={"Bucket": bucket, "Key": "up.txt"}, ExpiresIn=60)
    req = urllib.request.Request(put_url, data=b"uploaded", method="PUT")
    with urllib.request.urlopen(req) as r:
        assert r.status == 200
    assert s3.get_object(Bucket=bucket, Key="up.txt")["Body"].read() == b"uploaded"
    tampered = url.replace("p.txt", "up.txt")
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(tampered)
    assert e.value.code == 403 and b"SignatureDoesNotMatch" in e.value.read()


def test_signatures_and_payload_hashes(server, s3, bucket):
    port = server.port
    chunks = [os.urandom(65536), os.urandom(1000)]
    status, _, body = signed_request(port, "PUT", f"/{bucket}/chunked", chunks=chunks)
    assert status == 200, body
    assert s3.get_object(Bucket=bucket, Key="chunked")["Body"].read() == b"".join(chunks)
    status, _, body = signed_request(port, "PUT", f"/{bucket}/tampered", chunks=chunks, tamper_chunk=1)
    assert status == 403 and b"<Code>SignatureDoesNotMatch</Code>" in body
    status, _, body = signed_request(port, "PUT", f"/{bucket}/sha", body=b"payload",
                                     payload_hash=hashlib.sha256(b"other").hexdigest())
    assert status == 400 and b"<Code>XAmzContentSHA256Mismatch</Code>" in body
    for key in ("tampered", "sha"):
        with pytest.raises(ClientError):
            s3.head_object(Bucket=bucket, Key=key)
    status, _, body = signed_request(port, "PUT", f"/{bucket}/unsigned", body=b"u", payload_hash="UNSIGNED-PAYLOAD")
    assert status == 200, body
    status, _, body = signed_request(port, "GET", f"/{bucket}/unsigned", secret="wrong")
    assert status == 403 and b"<Code>SignatureDoesNotMatch</Code>" in body and b"<Resource>" in body
    # Nothing of the refused uploads is left behind.
    assert os.listdir(os.path.join(server.data_dir, "s3", ".tmp")) == []


def test_reset_wipes_files(unique):
    with Fanoutd() as server:
        s3 = s3_client(server.endpoint, key="test", secret="test")
        name = unique("reset")
        s3.create_bucket(Bucket=name)
        s3.put_object(Bucket=name, Key="f", Body=b"1")
        req = urllib.request.Request(server.endpoint + "/_fanout/reset", data=b"", method="POST")
        urllib.request.urlopen(req).read()
        assert s3.list_buckets()["Buckets"] == []
        assert not os.path.exists(bucket_dir(server.data_dir, name, account="000000000000"))


def test_virtual_hosted_addressing(server, s3, bucket):
    port = server.port
    for host in (f"{bucket}.localhost:{port}", f"{bucket}.s3.localhost.localstack.cloud:{port}"):
        status, _, body = signed_request(port, "PUT", "/vhost/key.txt", body=b"virtual " + host.encode(), host=host)
        assert status == 200, body
        assert s3.get_object(Bucket=bucket, Key="vhost/key.txt")["Body"].read() == b"virtual " + host.encode()
        status, _, body = signed_request(port, "GET", "/?list-type=2&prefix=vhost%2F", host=host)
        assert status == 200 and b"<Key>vhost/key.txt</Key>" in body, body


def test_entity_too_large_is_refused_before_the_body(server, bucket):
    import socket
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(f"PUT /{bucket}/huge HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {6 * 1024 ** 3}\r\n"
                     "x-amz-content-sha256: UNSIGNED-PAYLOAD\r\n\r\n".encode())
        answer = b""
        while b"</Error>" not in answer:
            chunk = sock.recv(65536)
            if not chunk:
                break
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 400"), answer[:200]
    assert b"<Code>EntityTooLarge</Code>" in answer
