"""SNS through the AWS CLI (Debian's v2 and PyPI's v1; SNS speaks the query protocol in both):
the reference fan-out, MessageStructure=json, attributes and errors."""
import json
import os
import shutil
import subprocess

import pytest

CLIS = {
    "awscli-v2-debian": ["/usr/bin/aws"],
    "awscli-v1-pypi": [shutil.which("aws") or "aws"],
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
def test_cli_fan_out(fanoutd, unique, cli_name):
    cli = CLIS[cli_name]
    e = fanoutd.endpoint
    topic = run(cli, e, "sns", "create-topic", "--name", unique("cli-topic"),
                "--attributes", '{"DisplayName":"Consumers"}')["TopicArn"]
    assert run(cli, e, "sns", "get-topic-attributes", "--topic-arn", topic)["Attributes"]["DisplayName"] == "Consumers"
    assert topic in [t["TopicArn"] for t in run(cli, e, "sns", "list-topics")["Topics"]]
    queues = {}
    for name, raw in (("raw", "true"), ("enveloped", "false")):
        url = run(cli, e, "sqs", "create-queue", "--queue-name", unique(name))["QueueUrl"]
        arn = run(cli, e, "sqs", "get-queue-attributes", "--queue-url", url, "--attribute-names", "QueueArn")[
            "Attributes"]["QueueArn"]
        sub = run(cli, e, "sns", "subscribe", "--topic-arn", topic, "--protocol", "sqs", "--notification-endpoint", arn,
                  "--attributes", json.dumps({"RawMessageDelivery": raw}), "--return-subscription-arn")
        assert sub["SubscriptionArn"].startswith(topic + ":")
        queues[name] = url
    out = run(cli, e, "sns", "publish", "--topic-arn", topic, "--message", '{"default":"d","sqs":"for sqs"}',
              "--message-structure", "json",
              "--message-attributes", '{"kind":{"DataType":"String","StringValue":"created"}}')
    assert len(out["MessageId"]) == 36
    raw = run(cli, e, "sqs", "receive-message", "--queue-url", queues["raw"], "--message-attribute-names", "All",
              "--wait-time-seconds", "1")["Messages"][0]
    assert raw["Body"] == "for sqs"
    assert raw["MessageAttributes"]["kind"]["StringValue"] == "created"
    enveloped = run(cli, e, "sqs", "receive-message", "--queue-url", queues["enveloped"],
                    "--wait-time-seconds", "1")["Messages"][0]
    envelope = json.loads(enveloped["Body"])
    assert envelope["Message"] == "for sqs" and envelope["MessageId"] == out["MessageId"]
    subs = run(cli, e, "sns", "list-subscriptions-by-topic", "--topic-arn", topic)["Subscriptions"]
    assert len(subs) == 2
    for s in subs:
        run(cli, e, "sns", "unsubscribe", "--subscription-arn", s["SubscriptionArn"])
    run(cli, e, "sns", "delete-topic", "--topic-arn", topic)
    missing = run(cli, e, "sns", "get-topic-attributes", "--topic-arn", topic, check=False)
    assert missing.returncode != 0 and "NotFound" in missing.stderr, missing.stderr
