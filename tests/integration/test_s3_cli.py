"""S3 through Debian's AWS CLI v2 (/usr/bin/aws): the high-level `aws s3` commands (cp incl.
multipart above 8 MB, ls, sync, rm, presign) and `aws s3api` error cases, with signatures
verified by fanoutd."""
import hashlib
import json
import os
import subprocess
import urllib.request

import pytest

from fanoutd_process import Fanoutd
from s3_support import ACCOUNT, CREDENTIAL_ARGS, KEY, SECRET, bucket_dir

AWS = "/usr/bin/aws"


@pytest.fixture(scope="module")
def server():
    with Fanoutd(*CREDENTIAL_ARGS) as s:
        yield s


def run(server, *args, check=True):
    env = dict(os.environ, AWS_ACCESS_KEY_ID=KEY, AWS_SECRET_ACCESS_KEY=SECRET, AWS_DEFAULT_REGION="us-east-1",
               AWS_PAGER="", AWS_CONFIG_FILE="/dev/null", AWS_SHARED_CREDENTIALS_FILE="/dev/null")
    out = subprocess.run([AWS, "--endpoint-url", server.endpoint, *args], env=env, capture_output=True, text=True,
                         timeout=120)
    if check:
        assert out.returncode == 0, out.stderr
    return out


def test_cp_ls_sync_rm(server, tmp_path, unique):
    name = unique("cli")
    run(server, "s3", "mb", f"s3://{name}")
    small = tmp_path / "small.txt"
    small.write_text("small file\n")
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(20 * 1024 * 1024 + 17))  # > 8 MB: the CLI uploads it in parts
    run(server, "s3", "cp", str(small), f"s3://{name}/docs/small.txt", "--only-show-errors")
    run(server, "s3", "cp", str(big), f"s3://{name}/big.bin", "--only-show-errors")
    with open(os.path.join(bucket_dir(server.data_dir, name), "big.bin"), "rb") as f:
        assert hashlib.md5(f.read()).digest() == hashlib.md5(big.read_bytes()).digest()
    listing = run(server, "s3", "ls", f"s3://{name}", "--recursive").stdout
    assert "docs/small.txt" in listing and "big.bin" in listing and str(20 * 1024 * 1024 + 17) in listing
    top = run(server, "s3", "ls", f"s3://{name}/").stdout
    assert "PRE docs/" in top
    back = tmp_path / "back.bin"
    run(server, "s3", "cp", f"s3://{name}/big.bin", str(back), "--only-show-errors")
    assert back.read_bytes() == big.read_bytes()
    head = json.loads(run(server, "s3api", "head-object", "--bucket", name, "--key", "big.bin").stdout)
    assert head["ETag"].endswith('-3"')

    tree = tmp_path / "tree"
    (tree / "landing_date=2024-01-01").mkdir(parents=True)
    (tree / "landing_date=2024-01-01" / "a.json").write_text('{"a":1}\n')
    (tree / "landing_date=2024-01-02").mkdir()
    (tree / "landing_date=2024-01-02" / "b.json").write_text('{"b":2}\n')
    run(server, "s3", "sync", str(tree), f"s3://{name}/sync", "--only-show-errors")
    assert os.path.isdir(os.path.join(bucket_dir(server.data_dir, name), "sync", "landing_date=2024-01-02"))
    again = run(server, "s3", "sync", str(tree), f"s3://{name}/sync").stdout
    assert again.strip() == ""  # nothing changed, nothing uploaded
    down = tmp_path / "down"
    run(server, "s3", "sync", f"s3://{name}/sync", str(down), "--only-show-errors")
    assert (down / "landing_date=2024-01-01" / "a.json").read_text() == '{"a":1}\n'

    url = run(server, "s3", "presign", f"s3://{name}/docs/small.txt", "--expires-in", "60").stdout.strip()
    with urllib.request.urlopen(url) as r:
        assert r.read() == b"small file\n"

    run(server, "s3", "rm", f"s3://{name}", "--recursive", "--only-show-errors")
    assert run(server, "s3", "ls", f"s3://{name}", "--recursive", check=False).stdout.strip() == ""
    run(server, "s3", "rb", f"s3://{name}")
    assert not os.path.exists(bucket_dir(server.data_dir, name))


def test_s3api_errors(server, unique, tmp_path):
    name = unique("err")
    out = run(server, "s3api", "get-object", "--bucket", "no-such-bucket-x", "--key", "k", "/dev/null", check=False)
    assert out.returncode != 0 and "NoSuchBucket" in out.stderr
    run(server, "s3api", "create-bucket", "--bucket", name)
    out = run(server, "s3api", "get-object", "--bucket", name, "--key", "missing", "/dev/null", check=False)
    assert "NoSuchKey" in out.stderr
    out = run(server, "s3api", "create-bucket", "--bucket", "Bad_Bucket", check=False)
    assert "InvalidBucketName" in out.stderr
    out = run(server, "s3api", "complete-multipart-upload", "--bucket", name, "--key", "k", "--upload-id", "nope",
              "--multipart-upload", '{"Parts":[{"PartNumber":1,"ETag":"\\"x\\""}]}', check=False)
    assert "NoSuchUpload" in out.stderr
    out = run(server, "s3api", "get-bucket-policy", "--bucket", name, check=False)
    assert "NoSuchBucketPolicy" in out.stderr
    out = run(server, "s3api", "get-bucket-acl", "--bucket", name, check=False)
    assert "NotImplemented" in out.stderr
    body = tmp_path / "body.txt"
    body.write_text("x")
    run(server, "s3api", "put-object", "--bucket", name, "--key", "k", "--body", str(body))
    out = run(server, "s3api", "delete-bucket", "--bucket", name, check=False)
    assert "BucketNotEmpty" in out.stderr
