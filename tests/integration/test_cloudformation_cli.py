"""CloudFormation through the AWS CLI v2 (Debian's /usr/bin/aws): `aws cloudformation deploy`
(change sets) twice, the outputs driving a real fan-out, an update through a changed parameter,
`create-stack` + `wait`, and `delete-stack` removing what the stack created."""
import json
import os
import subprocess
import tempfile
import time
import urllib.request

import pytest

from conftest import client

SOURCE = os.environ.get("FANOUT_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
AWS = "/usr/bin/aws"

# The reference fan-out without the S3/Firehose part, for fanoutd builds that lack those engines.
MESSAGING_TEMPLATE = """
AWSTemplateFormatVersion: '2010-09-09'
Description: messaging part of the reference stack
Parameters:
  Prefix: {Type: String, AllowedPattern: '[a-z][a-z0-9-]*'}
  Visibility: {Type: Number, Default: 30, MinValue: 0, MaxValue: 43200}
Resources:
  Topic:
    Type: AWS::SNS::Topic
    Properties: {TopicName: !Sub '${Prefix}-created-consumer'}
  Orders:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: !Sub '${Prefix}-orders'
      VisibilityTimeout: !Ref Visibility
      RedrivePolicy: {deadLetterTargetArn: !GetAtt OrdersDlq.Arn, maxReceiveCount: 5}
  OrdersDlq:
    Type: AWS::SQS::Queue
  Payments:
    Type: AWS::SQS::Queue
    Properties: {QueueName: !Sub '${Prefix}-payments'}
  Policy:
    Type: AWS::SQS::QueuePolicy
    Properties:
      Queues: [!Ref Orders, !Ref Payments]
      PolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Principal: {Service: sns.amazonaws.com}
            Action: sqs:SendMessage
            Resource: [!GetAtt Orders.Arn, !GetAtt Payments.Arn]
            Condition: {ArnEquals: {aws:SourceArn: !Ref Topic}}
  OrdersSub:
    Type: AWS::SNS::Subscription
    DependsOn: Policy
    Properties: {TopicArn: !Ref Topic, Protocol: sqs, Endpoint: !GetAtt Orders.Arn, RawMessageDelivery: true}
  PaymentsSub:
    Type: AWS::SNS::Subscription
    DependsOn: Policy
    Properties: {TopicArn: !Ref Topic, Protocol: sqs, Endpoint: !GetAtt Payments.Arn}
  PublisherRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement: [{Effect: Allow, Principal: {Service: sns.amazonaws.com}, Action: sts:AssumeRole}]
Outputs:
  TopicArn: {Value: !Ref Topic}
  OrdersQueueUrl: {Value: !Ref Orders}
  PaymentsQueueUrl: {Value: !Ref Payments}
  RoleArn: {Value: !GetAtt PublisherRole.Arn}
"""


# `aws cloudformation deploy` names its change set awscli-cloudformation-package-deploy-<unix
# seconds>, and a stack keeps a failed (empty) change set until someone deletes it, on AWS as here:
# a second deploy of the same stack within the same second fails with AlreadyExistsException. So
# each deploy starts in a later second than the one the previous deploy ended in (the previous
# change set was created before that end).
_last_deploy_end = 0.0


def aws(endpoint, *args, check=True):
    global _last_deploy_end
    deploying = args[:2] == ("cloudformation", "deploy")
    if deploying and int(time.time()) <= int(_last_deploy_end):
        time.sleep(int(_last_deploy_end) + 1.01 - time.time())
    env = dict(os.environ, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test", AWS_DEFAULT_REGION="us-east-1",
               AWS_PAGER="", AWS_CONFIG_FILE="/dev/null", AWS_SHARED_CREDENTIALS_FILE="/dev/null")
    out = subprocess.run([AWS, "--endpoint-url", endpoint, "--output", "json", *args], env=env, capture_output=True,
                         text=True, timeout=120)
    if deploying:
        _last_deploy_end = time.time()
    if check:
        assert out.returncode == 0, out.stdout + out.stderr
        return json.loads(out.stdout) if out.stdout.strip().startswith(("{", "[")) else out.stdout
    return out


def outputs_of(endpoint, stack):
    # boto3 for the reads (each CLI start costs seconds on a loaded machine); the CLI drives the writes.
    described = client("cloudformation", endpoint).describe_stacks(StackName=stack)["Stacks"][0]
    return described, {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}


def wait_deleted(endpoint, stack_id, timeout=30):
    cfn = client("cloudformation", endpoint)
    deadline = time.time() + timeout
    while time.time() < deadline:
        status = cfn.describe_stacks(StackName=stack_id)["Stacks"][0]["StackStatus"]
        if status != "DELETE_IN_PROGRESS":
            return status
        time.sleep(0.1)
    raise AssertionError(f"{stack_id} still deleting")


def write_template(text):
    f = tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False)
    f.write(text)
    f.close()
    return f.name


def receive_one(sqs, url):
    deadline = time.time() + 10
    while time.time() < deadline:
        got = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1).get("Messages", [])
        if got:
            return got[0]["Body"]
    raise AssertionError("nothing received from " + url)


def engines(endpoint):
    with urllib.request.urlopen(endpoint + "/_fanout/health", timeout=5) as r:
        return json.load(r)["services"]


def has_s3(endpoint):
    try:
        client("s3", endpoint).list_buckets()
        return True
    except Exception:  # noqa: BLE001 (NotImplemented before the S3 engine existed)
        return False


def test_deploy_twice_use_outputs_update_and_delete(fanoutd, unique):
    e = fanoutd.endpoint
    stack = unique("cli-messaging")
    prefix = stack.lower()
    path = write_template(MESSAGING_TEMPLATE)
    deploy = ["cloudformation", "deploy", "--template-file", path, "--stack-name", stack,
              "--capabilities", "CAPABILITY_IAM", "--no-fail-on-empty-changeset"]
    out = aws(e, *deploy, "--parameter-overrides", f"Prefix={prefix}")
    assert "Successfully created/updated stack" in out
    described, outputs = outputs_of(e, stack)
    assert described["StackStatus"] == "CREATE_COMPLETE"
    assert described["StackId"].startswith(f"arn:aws:cloudformation:us-east-1:000000000000:stack/{stack}/") or \
        described["StackId"].startswith("arn:aws:cloudformation:us-east-1:")
    assert outputs["TopicArn"].endswith(f":{prefix}-created-consumer")
    assert outputs["RoleArn"].startswith("arn:aws:iam::") and f":role/{stack}-PublisherRole-" in outputs["RoleArn"]

    # The outputs are live resources: a publish reaches both queues (raw and enveloped).
    sqs, sns = client("sqs", e), client("sns", e)
    sns.publish(TopicArn=outputs["TopicArn"], Message='{"consumer": 1}')
    assert receive_one(sqs, outputs["OrdersQueueUrl"]) == '{"consumer": 1}'
    assert json.loads(receive_one(sqs, outputs["PaymentsQueueUrl"]))["Message"] == '{"consumer": 1}'
    sqs.send_message(QueueUrl=outputs["OrdersQueueUrl"], MessageBody="direct")
    assert receive_one(sqs, outputs["OrdersQueueUrl"]) == "direct"

    # Deploying the same template again is a no-op (the empty change set is reported as AWS does).
    out = aws(e, *deploy, "--parameter-overrides", f"Prefix={prefix}")
    assert "No changes to deploy" in out
    assert outputs_of(e, stack)[0]["StackStatus"] == "CREATE_COMPLETE"
    strict = aws(e, "cloudformation", "deploy", "--template-file", path, "--stack-name", stack, "--capabilities",
                 "CAPABILITY_IAM", "--parameter-overrides", f"Prefix={prefix}", "--fail-on-empty-changeset",
                 check=False)
    assert strict.returncode != 0 and "No changes to deploy" in strict.stderr + strict.stdout

    # A changed parameter updates the queue in place (same URL, new attribute).
    out = aws(e, *deploy, "--parameter-overrides", f"Prefix={prefix}", "Visibility=45")
    described, after = outputs_of(e, stack)
    assert described["StackStatus"] == "UPDATE_COMPLETE"
    assert after["OrdersQueueUrl"] == outputs["OrdersQueueUrl"]
    attrs = sqs.get_queue_attributes(QueueUrl=outputs["OrdersQueueUrl"], AttributeNames=["All"])["Attributes"]
    assert attrs["VisibilityTimeout"] == "45"
    assert json.loads(attrs["RedrivePolicy"])["maxReceiveCount"] == 5
    cfn = client("cloudformation", e)
    statuses = [ev["ResourceStatus"] for ev in cfn.describe_stack_events(StackName=stack)["StackEvents"]
                if ev["LogicalResourceId"] == stack]
    assert statuses[:3] == ["UPDATE_COMPLETE", "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", "UPDATE_IN_PROGRESS"]

    resources = cfn.list_stack_resources(StackName=stack)["StackResourceSummaries"]
    assert {r["LogicalResourceId"] for r in resources} == {"Topic", "Orders", "OrdersDlq", "Payments", "Policy",
                                                          "OrdersSub", "PaymentsSub", "PublisherRole"}
    assert all(r["ResourceStatus"] in ("CREATE_COMPLETE", "UPDATE_COMPLETE") for r in resources)
    assert "messaging part of the reference stack" in cfn.get_template(StackName=stack)["TemplateBody"]

    stack_id = described["StackId"]
    aws(e, "cloudformation", "delete-stack", "--stack-name", stack)
    assert wait_deleted(e, stack_id) == "DELETE_COMPLETE"
    gone = aws(e, "cloudformation", "describe-stacks", "--stack-name", stack, check=False)
    assert gone.returncode != 0 and f"Stack with id {stack} does not exist" in gone.stderr
    urls = sqs.list_queues(QueueNamePrefix=prefix).get("QueueUrls", [])
    assert urls == []
    assert outputs["TopicArn"] not in [t["TopicArn"] for t in sns.list_topics()["Topics"]]
    listed = cfn.list_stacks(StackStatusFilter=["DELETE_COMPLETE"])["StackSummaries"]
    assert stack_id in [s["StackId"] for s in listed]


def test_create_stack_and_wait(fanoutd, unique):
    e = fanoutd.endpoint
    stack = unique("cli-create")
    out = aws(e, "cloudformation", "create-stack", "--stack-name", stack, "--template-body", MESSAGING_TEMPLATE,
              "--parameters", f"ParameterKey=Prefix,ParameterValue={stack.lower()}", check=False)
    assert out.returncode != 0 and "InsufficientCapabilitiesException" in out.stderr
    aws(e, "cloudformation", "create-stack", "--stack-name", stack, "--template-body", MESSAGING_TEMPLATE,
        "--parameters", f"ParameterKey=Prefix,ParameterValue={stack.lower()}", "--capabilities", "CAPABILITY_IAM")
    aws(e, "cloudformation", "wait", "stack-create-complete", "--stack-name", stack)
    described, outputs = outputs_of(e, stack)
    assert described["StackStatus"] == "CREATE_COMPLETE"
    assert described["Parameters"] == [{"ParameterKey": "Prefix", "ParameterValue": stack.lower()},
                                       {"ParameterKey": "Visibility", "ParameterValue": "30"}]
    aws(e, "cloudformation", "delete-stack", "--stack-name", stack)
    aws(e, "cloudformation", "wait", "stack-delete-complete", "--stack-name", described["StackId"])


def test_reference_infra_yaml(fanoutd, unique):
    """The reference template itself: deploy, fan-out to both queues and (after the buffer
    interval) the bucket, an in-place update of a buffering hint and a queue attribute, delete."""
    e = fanoutd.endpoint
    if "firehose" not in engines(e) or not has_s3(e):
        pytest.skip("this fanoutd has no S3/Firehose engine yet")
    stack = unique("messaging")
    infra = os.path.join(SOURCE, "infra", "infra.yaml")
    deploy = ["cloudformation", "deploy", "--template-file", infra, "--stack-name", stack,
              "--capabilities", "CAPABILITY_IAM", "--no-fail-on-empty-changeset"]
    aws(e, *deploy, "--parameter-overrides", "BufferIntervalSeconds=1")
    described, outputs = outputs_of(e, stack)
    assert described["StackStatus"] == "CREATE_COMPLETE", described
    assert set(outputs) == {"TopicArn", "OrdersQueueUrl", "PaymentsQueueUrl", "BucketName", "DeliveryStreamName"}
    assert outputs["TopicArn"].endswith(":created-consumer")
    assert outputs["OrdersQueueUrl"].endswith("/api-orders-created-consumer")
    assert outputs["PaymentsQueueUrl"].endswith("/api-payment-created-payment")
    sqs, sns, s3, firehose = client("sqs", e), client("sns", e), client("s3", e), client("firehose", e)
    s3.head_bucket(Bucket=outputs["BucketName"])
    stream = firehose.describe_delivery_stream(DeliveryStreamName=outputs["DeliveryStreamName"])[
        "DeliveryStreamDescription"]
    hints = stream["Destinations"][0]["ExtendedS3DestinationDescription"]["BufferingHints"]
    assert hints == {"IntervalInSeconds": 1, "SizeInMBs": 5}

    sns.publish(TopicArn=outputs["TopicArn"], Message='{"consumer": 2}')
    assert receive_one(sqs, outputs["OrdersQueueUrl"]) == '{"consumer": 2}'
    assert receive_one(sqs, outputs["PaymentsQueueUrl"]) == '{"consumer": 2}'
    today = time.strftime("%Y-%m-%d", time.gmtime())
    deadline = time.time() + 20
    keys = []
    while time.time() < deadline and not keys:
        keys = [o["Key"] for o in s3.list_objects_v2(Bucket=outputs["BucketName"]).get("Contents", [])]
        time.sleep(0.2)
    assert keys and keys[0].startswith(f"landing_date={today}/"), keys

    # In place: a buffering hint (UpdateDestination) and a queue attribute (SetQueueAttributes).
    aws(e, *deploy, "--parameter-overrides", "BufferIntervalSeconds=1", "BufferSizeMBs=2", "MaxReceiveCount=3")
    described, after = outputs_of(e, stack)
    assert described["StackStatus"] == "UPDATE_COMPLETE"
    assert after == outputs
    stream = firehose.describe_delivery_stream(DeliveryStreamName=outputs["DeliveryStreamName"])[
        "DeliveryStreamDescription"]
    assert stream["Destinations"][0]["ExtendedS3DestinationDescription"]["BufferingHints"]["SizeInMBs"] == 2
    redrive = sqs.get_queue_attributes(QueueUrl=outputs["OrdersQueueUrl"], AttributeNames=["RedrivePolicy"])
    assert json.loads(redrive["Attributes"]["RedrivePolicy"])["maxReceiveCount"] == 3

    # As on AWS, a bucket must be emptied before its stack can delete it.
    for key in [o["Key"] for o in s3.list_objects_v2(Bucket=outputs["BucketName"]).get("Contents", [])]:
        s3.delete_object(Bucket=outputs["BucketName"], Key=key)
    aws(e, "cloudformation", "delete-stack", "--stack-name", stack)
    assert wait_deleted(e, described["StackId"]) == "DELETE_COMPLETE"
    assert sqs.list_queues(QueueNamePrefix="api-").get("QueueUrls", []) == []
    assert outputs["TopicArn"] not in [t["TopicArn"] for t in sns.list_topics()["Topics"]]
    assert outputs["DeliveryStreamName"] not in firehose.list_delivery_streams()["DeliveryStreamNames"]
    assert outputs["BucketName"] not in [b["Name"] for b in s3.list_buckets()["Buckets"]]


def test_infra_yaml_passes_cfn_lint():
    """infra.yaml must deploy on AWS unchanged: cfn-lint checks it against AWS's resource specs."""
    import sys
    from cfnlint.runner import main as cfn_lint_main  # noqa: F401 (installed by scripts/bootstrap)
    script = "import sys; from cfnlint.runner import main; sys.exit(main())"
    out = subprocess.run([sys.executable, "-c", script, os.path.join(SOURCE, "infra", "infra.yaml")],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr


def test_template_url_in_this_servers_s3(fanoutd, unique):
    """TemplateURL naming an object in this server's S3, path-style and virtual-hosted. (The CLI's
    `deploy --s3-bucket` would upload to AWS itself: CLI 2.9 has no per-service endpoint.)"""
    e = fanoutd.endpoint
    if not has_s3(e):
        pytest.skip("this fanoutd has no S3 engine")
    s3, cfn = client("s3", e), client("cloudformation", e)
    bucket = unique("templates")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="dir/queue stack.yaml",
                  Body=b"Description: from S3\nResources:\n  Q: {Type: AWS::SQS::Queue}\n")
    for url in (f"{e}/{bucket}/dir/queue%20stack.yaml",
                f"https://{bucket}.s3.us-east-1.amazonaws.com/dir/queue%20stack.yaml"):
        stack = unique("via-s3")
        stack_id = cfn.create_stack(StackName=stack, TemplateURL=url)["StackId"]
        deadline = time.time() + 30
        while (described := outputs_of(e, stack)[0])["StackStatus"] == "CREATE_IN_PROGRESS":
            assert time.time() < deadline
            time.sleep(0.1)
        assert described["StackStatus"] == "CREATE_COMPLETE" and described["Description"] == "from S3"
        cfn.delete_stack(StackName=stack)
        assert wait_deleted(e, stack_id) == "DELETE_COMPLETE"
    missing = f"{e}/{bucket}/no-such-template.yaml"
    with pytest.raises(Exception) as error:
        cfn.create_stack(StackName=unique("s"), TemplateURL=missing)
    assert f"Template file referenced by {missing} does not exist." in str(error.value)
    with pytest.raises(Exception) as error:
        cfn.validate_template(TemplateURL="ftp://example.com/t.yaml")
    assert "TemplateURL must be a supported URL." in str(error.value)
