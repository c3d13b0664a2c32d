"""SQS through the AWS CLI: Debian's v2 (query protocol) and PyPI's v1 (JSON protocol)."""
import json
import os
import shutil
import subprocess

import pytest

CLIS = {
    "awscli-v2-debian-query": ["/usr/bin/aws"],
    "awscli-v1-pypi-json": [shutil.which("aws") or "aws"],
}


def run(cli, endpoint, *args, check=True):
    env = dict(os.environ, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test", AWS_DEFAULT_REGION="us-east-1",
               AWS_PAGER="", AWS_CONFIG_FILE="/dev/null", AWS_SHARED_CREDENTIALS_FILE="/dev/null")
    out = subprocess.run([*cli, "--endpoint-url", endpoint, "--output", "json", *args], env=env,
                         capture_output=True, text=True, timeout=60)
    if check:
        assert out.returncode == 0, out.stderr
        return json.loads(out.stdout) if out.stdout.strip() else {}
    return out


@pytest.mark.parametrize("cli_name", CLIS)
def test_cli_round_trip(fanoutd, unique, cli_name):
    cli = CLIS[cli_name]
    if cli_name.endswith("json"):
        version = subprocess.run([*cli, "--version"], capture_output=True, text=True).stdout + \
            subprocess.run([*cli, "--version"], capture_output=True, text=True).stderr
        assert version.startswith("aws-cli/1."), version
    name = unique("cli")
    url = run(cli, fanoutd.endpoint, "sqs", "create-queue", "--queue-name", name)["QueueUrl"]
    run(cli, fanoutd.endpoint, "sqs", "send-message", "--queue-url", url, "--message-body", "from the cli",
        "--message-attributes", '{"k":{"DataType":"String","StringValue":"v"}}')
    got = run(cli, fanoutd.endpoint, "sqs", "receive-message", "--queue-url", url,
              "--message-attribute-names", "All", "--wait-time-seconds", "1")
    assert got["Messages"][0]["Body"] == "from the cli"
    assert got["Messages"][0]["MessageAttributes"]["k"]["StringValue"] == "v"
    run(cli, fanoutd.endpoint, "sqs", "delete-message", "--queue-url", url, "--receipt-handle",
        got["Messages"][0]["ReceiptHandle"])
    attrs = run(cli, fanoutd.endpoint, "sqs", "get-queue-attributes", "--queue-url", url,
                "--attribute-names", "All")["Attributes"]
    assert attrs["ApproximateNumberOfMessages"] == "0"
    listed = run(cli, fanoutd.endpoint, "sqs", "list-queues", "--queue-name-prefix", name)
    assert listed["QueueUrls"] == [url]
    run(cli, fanoutd.endpoint, "sqs", "delete-queue", "--queue-url", url)
    missing = run(cli, fanoutd.endpoint, "sqs", "get-queue-url", "--queue-name", name, check=False)
    assert missing.returncode != 0
    assert "NonExistentQueue" in missing.stderr or "QueueDoesNotExist" in missing.stderr, missing.stderr
