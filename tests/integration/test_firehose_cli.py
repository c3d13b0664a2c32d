"""Firehose through Debian's AWS CLI v2: create, put, describe, list, update, delete; records land
in an S3-compatible server on loopback (npm s3rver) under the reference prefix."""
import json
import os
import subprocess
import tempfile
import time

import pytest

from fanoutd_process import Fanoutd
from test_firehose import BUCKET, ROLE, S3rver, endpoints_env, reference_config, today_utc, wait_for_objects

AWS_V2 = "/usr/bin/aws"


def run(endpoint, *args, check=True):
    env = dict(os.environ, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test", AWS_DEFAULT_REGION="us-east-1",
               AWS_PAGER="", AWS_CONFIG_FILE="/dev/null", AWS_SHARED_CREDENTIALS_FILE="/dev/null")
    out = subprocess.run([AWS_V2, "--endpoint-url", endpoint, "--output", "json", *args], env=env,
                         capture_output=True, text=True, timeout=60)
    if check:
        assert out.returncode == 0, out.stderr
        return json.loads(out.stdout) if out.stdout.strip() else {}
    return out


@pytest.fixture(scope="module")
def s3rver():
    server = S3rver()
    yield server
    server.close()


def test_aws_cli_v2_reference_stream(s3rver, unique):
    if not os.path.exists(AWS_V2):
        pytest.fail("Debian's AWS CLI v2 (/usr/bin/aws) is missing: run scripts/bootstrap")
    with Fanoutd(env=endpoints_env(s3rver)) as fanoutd:
        ep = fanoutd.endpoint
        name = unique("cli")
        # The Debian CLI's model predates zero buffering (IntervalInSeconds >= 60 client-side), so
        # this stream flushes on its 1 MiB size hint.
        config = reference_config(prefix=name, interval=60, size=1)
        arn = run(ep, "firehose", "create-delivery-stream", "--delivery-stream-name", name,
                  "--delivery-stream-type", "DirectPut",
                  "--extended-s3-destination-configuration", json.dumps(config))["DeliveryStreamARN"]
        assert arn.endswith(f":deliverystream/{name}")
        deadline = time.time() + 15
        while run(ep, "firehose", "describe-delivery-stream", "--delivery-stream-name", name)[
                "DeliveryStreamDescription"]["DeliveryStreamStatus"] != "ACTIVE":
            assert time.time() < deadline
            time.sleep(0.3)
        assert name in run(ep, "firehose", "list-delivery-streams")["DeliveryStreamNames"]

        records = [json.dumps({"id": i}) for i in range(3)]
        for r in records:
            out = run(ep, "firehose", "put-record", "--delivery-stream-name", name, "--cli-binary-format",
                      "raw-in-base64-out", "--record", json.dumps({"Data": r}))
            assert out["RecordId"]
        batch_records = []
        for b in range(4):
            chunk = [f"b{b}-{i}-" + "z" * 600 for i in range(500)]
            batch_records += chunk
            with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
                json.dump([{"Data": r} for r in chunk], f)
            try:
                out = run(ep, "firehose", "put-record-batch", "--delivery-stream-name", name, "--cli-binary-format",
                          "raw-in-base64-out", "--records", f"file://{f.name}")
            finally:
                os.unlink(f.name)
            assert out["FailedPutCount"] == 0 and len(out["RequestResponses"]) == 500

        objects = wait_for_objects(s3rver, f"{name}={today_utc()}/")
        body = s3rver.read(objects[0]["Key"])
        assert len(body) >= 1024 * 1024
        lines = body.decode().splitlines()
        assert lines == (records + batch_records)[:len(lines)]  # in order, each once

        bad = run(ep, "firehose", "update-destination", "--delivery-stream-name", name,
                  "--current-delivery-stream-version-id", "5", "--destination-id", "destinationId-000000000001",
                  "--extended-s3-destination-update", json.dumps({"Prefix": "x/"}), check=False)
        assert bad.returncode != 0 and "ConcurrentModificationException" in bad.stderr
        missing = run(ep, "firehose", "describe-delivery-stream", "--delivery-stream-name", "nope", check=False)
        assert missing.returncode != 0 and "ResourceNotFoundException" in missing.stderr
        run(ep, "firehose", "delete-delivery-stream", "--delivery-stream-name", name)
        assert name not in run(ep, "firehose", "list-delivery-streams")["DeliveryStreamNames"]
        assert BUCKET and ROLE
