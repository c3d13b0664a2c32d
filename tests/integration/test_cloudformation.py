"""CloudFormation error paths and template features through boto3 (query protocol): template,
parameter and capability validation, cyclic and unresolved references, rollback of a failing
resource with events that say why, unsupported types, conditions/mappings/Fn::Sub maps, and
cross-stack exports and imports."""
import time

import pytest
from botocore.exceptions import ClientError

from conftest import client


@pytest.fixture(scope="module")
def cfn(fanoutd):
    return client("cloudformation", fanoutd.endpoint)


def wait_status(cfn, stack, done=("_COMPLETE", "_FAILED"), timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        status = cfn.describe_stacks(StackName=stack)["Stacks"][0]["StackStatus"]
        if status.endswith(done) and "IN_PROGRESS" not in status:
            return status
        time.sleep(0.1)
    raise AssertionError(f"{stack} still {status}")


def error_of(call, **kwargs):
    with pytest.raises(ClientError) as e:
        call(**kwargs)
    return e.value.response["Error"]["Code"], e.value.response["Error"]["Message"]


QUEUE = "Resources:\n  Q: {Type: AWS::SQS::Queue}\n"


def test_validation_errors(cfn, unique):
    assert error_of(cfn.create_stack, StackName=unique("s"), TemplateBody="Resources: [") [0] == "ValidationError"
    code, message = error_of(cfn.validate_template, TemplateBody="Resources:\n  A: {Type: AWS::SQS::Queue, DependsOn: B}\n"
                                                              "  B: {Type: AWS::SQS::Queue, DependsOn: A}\n")
    assert (code, message) == ("ValidationError", "Circular dependency between resources: [A, B]")
    code, message = error_of(cfn.create_stack, StackName=unique("s"),
                             TemplateBody="Resources:\n  A: {Type: AWS::SQS::Queue, Properties: {QueueName: !Ref Nope}}\n")
    assert message == "Template format error: Unresolved resource dependencies [Nope] in the Resources block of the template"
    code, message = error_of(cfn.create_stack, StackName=unique("s"),
                             TemplateBody="Parameters:\n  P: {Type: String}\n" + QUEUE)
    assert (code, message) == ("ValidationError", "Parameters: [P] must have values")
    code, message = error_of(cfn.create_stack, StackName=unique("s"), TemplateBody=QUEUE,
                             Parameters=[{"ParameterKey": "X", "ParameterValue": "1"}])
    assert message == "Parameters: [X] do not exist in the template"
    code, message = error_of(cfn.create_stack, StackName=unique("s"),
                             TemplateBody="Resources:\n  R: {Type: AWS::IAM::Role, Properties: {RoleName: r, "
                                          "AssumeRolePolicyDocument: {Statement: []}}}\n", Capabilities=["CAPABILITY_IAM"])
    assert (code, message) == ("InsufficientCapabilitiesException", "Requires capabilities : [CAPABILITY_NAMED_IAM]")
    code, message = error_of(cfn.create_stack, StackName=unique("s"), TemplateBody="Resources:\n  A: {Type: 'Acme::Thing'}\n")
    assert message == "Template format error: Unrecognized resource types: [Acme::Thing]"
    code, message = error_of(cfn.describe_stacks, StackName="no-such-stack")
    assert (code, message) == ("ValidationError", "Stack with id no-such-stack does not exist")
    summary = cfn.validate_template(TemplateBody="Description: d\nParameters:\n  P: {Type: String, Default: x}\n" + QUEUE)
    assert summary["Description"] == "d" and summary["Parameters"][0]["ParameterKey"] == "P"


def test_failing_resource_rolls_back_with_events(cfn, fanoutd, unique):
    stack = unique("rollback")
    body = ("Resources:\n  Good: {Type: AWS::SQS::Queue, Properties: {QueueName: " + stack + "-good}}\n"
            "  Bad: {Type: AWS::SQS::Queue, DependsOn: Good, Properties: {QueueName: " + stack + "-bad, "
            "VisibilityTimeout: 999999}}\n")
    stack_id = cfn.create_stack(StackName=stack, TemplateBody=body)["StackId"]
    assert wait_status(cfn, stack_id) == "ROLLBACK_COMPLETE"
    events = cfn.describe_stack_events(StackName=stack_id)["StackEvents"]
    failed = [e for e in events if e["ResourceStatus"] == "CREATE_FAILED"]
    assert failed[0]["LogicalResourceId"] == "Bad" and "VisibilityTimeout" in failed[0]["ResourceStatusReason"]
    rollback = [e for e in events if e["ResourceStatus"] == "ROLLBACK_IN_PROGRESS"][0]
    assert rollback["ResourceStatusReason"].startswith("The following resource(s) failed to create: [Bad].")
    assert events[0]["ResourceStatus"] == "ROLLBACK_COMPLETE"  # newest first
    sqs = client("sqs", fanoutd.endpoint)
    assert sqs.list_queues(QueueNamePrefix=stack).get("QueueUrls", []) == []  # Good was deleted again
    # DisableRollback keeps what was created.
    stack2 = unique("norollback")
    stack2_id = cfn.create_stack(StackName=stack2, TemplateBody=body.replace(stack, stack2), DisableRollback=True)["StackId"]
    assert wait_status(cfn, stack2) == "CREATE_FAILED"
    assert len(sqs.list_queues(QueueNamePrefix=stack2).get("QueueUrls", [])) == 1
    cfn.delete_stack(StackName=stack2)
    assert wait_status(cfn, stack2_id) == "DELETE_COMPLETE"


def test_unsupported_type_fails_the_stack(cfn, unique):
    stack = unique("unsupported")
    stack_id = cfn.create_stack(StackName=stack, TemplateBody="Resources:\n  F: {Type: AWS::Lambda::Function}\n")["StackId"]
    assert wait_status(cfn, stack_id) == "ROLLBACK_COMPLETE"
    failed = [e for e in cfn.describe_stack_events(StackName=stack_id)["StackEvents"] if e["ResourceStatus"] == "CREATE_FAILED"]
    assert "Unrecognized resource types: [AWS::Lambda::Function]" in failed[0]["ResourceStatusReason"]


FEATURES = """
Parameters:
  Env: {Type: String, AllowedValues: [dev, prod], Default: dev}
Mappings:
  Retention: {dev: {Seconds: 3600}, prod: {Seconds: 1209600}}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
Resources:
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      MessageRetentionPeriod: !FindInMap [Retention, !Ref Env, Seconds]
      DelaySeconds: !If [IsProd, 5, !Ref AWS::NoValue]
  ProdOnly:
    Type: AWS::SNS::Topic
    Condition: IsProd
Outputs:
  QueueArn:
    Value: !GetAtt Queue.Arn
    Export: {Name: !Sub ['${S}-queue-arn', {S: !Ref AWS::StackName}]}
  Label:
    Value: !Sub ['${Env}/${Name}', {Name: !GetAtt Queue.QueueName}]
"""


def test_conditions_mappings_sub_map_and_exports(cfn, fanoutd, unique):
    stack = unique("features")
    cfn.create_stack(StackName=stack, TemplateBody=FEATURES)
    assert wait_status(cfn, stack) == "CREATE_COMPLETE"
    described = cfn.describe_stacks(StackName=stack)["Stacks"][0]
    outputs = {o["OutputKey"]: o for o in described["Outputs"]}
    assert outputs["QueueArn"]["ExportName"] == f"{stack}-queue-arn"
    queue_name = outputs["QueueArn"]["OutputValue"].rsplit(":", 1)[1]
    assert queue_name.startswith(f"{stack}-Queue-") and len(queue_name) == len(stack) + 7 + 13
    assert outputs["Label"]["OutputValue"] == f"dev/{queue_name}"
    resources = {r["LogicalResourceId"] for r in cfn.list_stack_resources(StackName=stack)["StackResourceSummaries"]}
    assert resources == {"Queue"}
    sqs = client("sqs", fanoutd.endpoint)
    url = sqs.get_queue_url(QueueName=queue_name)["QueueUrl"]
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attrs["MessageRetentionPeriod"] == "3600" and attrs["DelaySeconds"] == "0"

    exports = {x["Name"]: x for x in cfn.list_exports()["Exports"]}
    assert exports[f"{stack}-queue-arn"]["Value"] == outputs["QueueArn"]["OutputValue"]
    importer = unique("importer")
    cfn.create_stack(StackName=importer, TemplateBody=(
        "Resources:\n  Policy:\n    Type: AWS::SQS::QueuePolicy\n    Properties:\n"
        f"      Queues: ['{url}']\n"
        "      PolicyDocument: {Statement: [{Effect: Allow, Principal: '*', Action: 'sqs:SendMessage', "
        f"Resource: !ImportValue '{stack}-queue-arn'}}]}}\n"))
    assert wait_status(cfn, importer) == "CREATE_COMPLETE"
    assert cfn.list_imports(ExportName=f"{stack}-queue-arn")["Imports"] == [importer]
    # An export in use cannot go away with its stack.
    cfn.delete_stack(StackName=stack)
    assert wait_status(cfn, stack) == "DELETE_FAILED"
    assert "in use by " + importer in cfn.describe_stacks(StackName=stack)["Stacks"][0]["StackStatusReason"]
    cfn.delete_stack(StackName=importer)
    cfn.delete_stack(StackName=stack)
    stack_id = described["StackId"]
    assert wait_status(cfn, stack_id) == "DELETE_COMPLETE"

    # Update through UpdateStack: prod adds the conditional topic; identical input is refused.
    stack = unique("features")
    cfn.create_stack(StackName=stack, TemplateBody=FEATURES)
    assert wait_status(cfn, stack) == "CREATE_COMPLETE"
    code, message = error_of(cfn.update_stack, StackName=stack, TemplateBody=FEATURES)
    assert (code, message) == ("ValidationError", "No updates are to be performed.")
    cfn.update_stack(StackName=stack, TemplateBody=FEATURES, Parameters=[{"ParameterKey": "Env", "ParameterValue": "prod"}])
    assert wait_status(cfn, stack) == "UPDATE_COMPLETE"
    resources = {r["LogicalResourceId"] for r in cfn.list_stack_resources(StackName=stack)["StackResourceSummaries"]}
    assert resources == {"Queue", "ProdOnly"}
    cfn.delete_stack(StackName=stack)


def test_change_set_lifecycle(cfn, unique):
    stack = unique("changeset")
    created = cfn.create_change_set(StackName=stack, ChangeSetName="first", ChangeSetType="CREATE", TemplateBody=QUEUE)
    assert cfn.describe_stacks(StackName=stack)["Stacks"][0]["StackStatus"] == "REVIEW_IN_PROGRESS"
    deadline = time.time() + 10
    while (cs := cfn.describe_change_set(ChangeSetName=created["Id"]))["Status"] != "CREATE_COMPLETE":
        assert time.time() < deadline and cs["Status"] != "FAILED", cs
        time.sleep(0.05)
    assert cs["ExecutionStatus"] == "AVAILABLE"
    assert [c["ResourceChange"]["Action"] for c in cs["Changes"]] == ["Add"]
    assert cfn.list_change_sets(StackName=stack)["Summaries"][0]["ChangeSetName"] == "first"
    cfn.execute_change_set(ChangeSetName="first", StackName=stack)
    assert wait_status(cfn, stack) == "CREATE_COMPLETE"
    # A renamed queue is a replacement.
    renamed = QUEUE.replace("{Type: AWS::SQS::Queue}", "{Type: AWS::SQS::Queue, Properties: {QueueName: " + stack + "-q}}")
    second = cfn.create_change_set(StackName=stack, ChangeSetName="second", TemplateBody=renamed)
    while (cs := cfn.describe_change_set(ChangeSetName=second["Id"]))["Status"] in ("CREATE_PENDING", "CREATE_IN_PROGRESS"):
        time.sleep(0.05)
    change = cs["Changes"][0]["ResourceChange"]
    assert (change["Action"], change["Replacement"]) == ("Modify", "True")
    cfn.delete_change_set(ChangeSetName="second", StackName=stack)
    assert error_of(cfn.describe_change_set, ChangeSetName="second", StackName=stack)[0] == "ChangeSetNotFound"
    same = cfn.create_change_set(StackName=stack, ChangeSetName="third", TemplateBody=QUEUE)
    while (cs := cfn.describe_change_set(ChangeSetName=same["Id"]))["Status"] in ("CREATE_PENDING", "CREATE_IN_PROGRESS"):
        time.sleep(0.05)
    assert cs["Status"] == "FAILED"
    assert cs["StatusReason"] == ("The submitted information didn't contain changes. "
                                  "Submit different information to create a change set.")
    cfn.delete_stack(StackName=stack)


def test_stacks_survive_kill9_and_interrupted_ones_settle(unique):
    """Stacks and events are durable; a stack caught mid-create by kill -9 rolls back at restart
    (never stays *_IN_PROGRESS), and its resources are cleaned up."""
    from fanoutd_process import Fanoutd
    server = Fanoutd().start()
    try:
        cfn, sqs = client("cloudformation", server.endpoint), client("sqs", server.endpoint)
        done = unique("durable")
        cfn.create_stack(StackName=done, TemplateBody=QUEUE)
        assert wait_status(cfn, done) == "CREATE_COMPLETE"
        events_before = len(cfn.describe_stack_events(StackName=done)["StackEvents"])
        # Killed at several points of the create: right away, and a few queues in. A queue whose
        # create landed just before the kill, before the stack recorded it, must not be left
        # behind by the rollback.
        for delay in (0, 0.005, 0.01, 0.02, 0.04):
            interrupted = unique("interrupted")
            body = "Resources:\n" + "".join(
                f"  Q{i}: {{Type: AWS::SQS::Queue, Properties: {{QueueName: {interrupted}-{i}}}}}\n" for i in range(30))
            interrupted_id = cfn.create_stack(StackName=interrupted, TemplateBody=body)["StackId"]
            time.sleep(delay)
            server.kill9()
            server.start()
            cfn, sqs = client("cloudformation", server.endpoint), client("sqs", server.endpoint)
            assert cfn.describe_stacks(StackName=done)["Stacks"][0]["StackStatus"] == "CREATE_COMPLETE"
            assert len(cfn.describe_stack_events(StackName=done)["StackEvents"]) == events_before
            status = wait_status(cfn, interrupted_id)
            assert status in ("CREATE_COMPLETE", "ROLLBACK_COMPLETE"), status
            left = sqs.list_queues(QueueNamePrefix=interrupted + "-").get("QueueUrls", [])
            assert len(left) == (30 if status == "CREATE_COMPLETE" else 0), (delay, status, left)
    finally:
        server.close()


def test_deploy_at_startup_creates_then_updates_idempotently(tmp_path):
    """`fanoutd --deploy FILE --stack-name NAME --deploy-parameter K=V`: the stack is complete
    before the first request is served; a restart with the same template changes nothing; a
    changed parameter updates it in place; a broken template stops fanoutd with AWS's reason."""
    import os
    import pathlib
    import subprocess
    from fanoutd_process import Fanoutd
    infra = str(pathlib.Path(os.environ.get("FANOUT_SOURCE_DIR", pathlib.Path(__file__).parents[2]))
                / "infra" / "infra.yaml")
    data = str(tmp_path / "data")

    def boot(interval):
        return Fanoutd("--deploy", infra, "--stack-name", "boot", "--deploy-parameter",
                       f"BufferIntervalSeconds={interval}", "--deploy-parameter", "Unused=ignored",
                       data_dir=data).start(timeout=60)

    server = boot(2)
    try:
        cfn = client("cloudformation", server.endpoint)
        stack = cfn.describe_stacks(StackName="boot")["Stacks"][0]
        assert stack["StackStatus"] == "CREATE_COMPLETE"
        assert {"ParameterKey": "BufferIntervalSeconds", "ParameterValue": "2"} in stack["Parameters"]
        outputs = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}
        # The queue URL names the address fanoutd listens on, so clients can use it as is.
        sqs = client("sqs", server.endpoint)
        sqs.send_message(QueueUrl=outputs["OrdersQueueUrl"], MessageBody="hello")
        assert f"127.0.0.1:{server.port}" in outputs["OrdersQueueUrl"]
        events = len(cfn.describe_stack_events(StackName="boot")["StackEvents"])
    finally:
        server.close()

    server = boot(2)  # same template and parameters: nothing to do
    try:
        cfn = client("cloudformation", server.endpoint)
        assert cfn.describe_stacks(StackName="boot")["Stacks"][0]["StackStatus"] == "CREATE_COMPLETE"
        assert len(cfn.describe_stack_events(StackName="boot")["StackEvents"]) == events
    finally:
        server.close()

    server = boot(3)  # a changed parameter: updated in place
    try:
        cfn = client("cloudformation", server.endpoint)
        stack = cfn.describe_stacks(StackName="boot")["Stacks"][0]
        assert stack["StackStatus"] == "UPDATE_COMPLETE"
        assert {"ParameterKey": "BufferIntervalSeconds", "ParameterValue": "3"} in stack["Parameters"]
        firehose = client("firehose", server.endpoint)
        name = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}["DeliveryStreamName"]
        hints = firehose.describe_delivery_stream(DeliveryStreamName=name)["DeliveryStreamDescription"][
            "Destinations"][0]["ExtendedS3DestinationDescription"]["BufferingHints"]
        assert hints["IntervalInSeconds"] == 3
    finally:
        server.close()

    broken = tmp_path / "broken.yaml"
    broken.write_text("Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    DependsOn: Q\n")
    out = subprocess.run([os.environ["FANOUTD_BIN"], "--listen", "127.0.0.1:0", "--durability", "memory",
                          "--deploy", str(broken)], capture_output=True, text=True, timeout=60)
    assert out.returncode != 0
    log = out.stdout + out.stderr
    assert "--deploy failed" in log and "ValidationError" in log and "Circular dependency" in log, log
