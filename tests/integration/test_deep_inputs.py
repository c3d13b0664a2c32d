"""Inputs built to exhaust a recursive parser or matcher (deep nesting, very long values): each gets
the service's own error or a correct answer, and the server stays up. Two of these once killed
fanoutd with a stack overflow: a 50,000-digit template scalar and a long CloudFormation parameter
value checked against its AllowedPattern (both went through libstdc++'s std::regex)."""
import base64
import hashlib
import urllib.error
import urllib.request

import pytest
from botocore.exceptions import ClientError

from conftest import client

DEEP_OBJECT = '{"a":' * 50000 + "1" + "}" * 50000


def healthy(server):
    with urllib.request.urlopen(server.endpoint + "/_fanout/health", timeout=5) as r:
        return r.status == 200


def error_code(call):
    with pytest.raises(ClientError) as info:
        call()
    return info.value.response["Error"]["Code"]


def test_cloudformation_long_scalars_and_values(fanoutd, unique):
    cf = client("cloudformation", fanoutd.endpoint)
    digits = "1" * 50000
    body = f"Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n      DelaySeconds: {digits}\n"
    cf.validate_template(TemplateBody=body)
    template = ("Parameters:\n  P:\n    Type: String\n    AllowedPattern: '(a|b)*'\n"
                "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n")
    cf.create_stack(StackName=unique("pattern"), TemplateBody=template,
                    Parameters=[{"ParameterKey": "P", "ParameterValue": "ab" * 20000}])
    assert error_code(lambda: cf.create_stack(
        StackName=unique("pattern"), TemplateBody=template,
        Parameters=[{"ParameterKey": "P", "ParameterValue": "ab" * 20000 + "c"}])) == "ValidationError"
    for nested in ("[" * 25000 + "]" * 25000, "{a: " * 12000 + "1" + "}" * 12000):
        assert error_code(lambda: cf.validate_template(TemplateBody="Resources: " + nested)) == "ValidationError"
    assert error_code(lambda: cf.validate_template(
        TemplateBody='{"Resources": ' + "[" * 25000 + "]" * 25000 + "}")) == "ValidationError"
    assert healthy(fanoutd)


def test_deep_json_policies_are_refused(fanoutd, unique):
    sqs = client("sqs", fanoutd.endpoint)
    url = sqs.create_queue(QueueName=unique("deep"))["QueueUrl"]
    for attribute in ("Policy", "RedrivePolicy", "RedriveAllowPolicy"):
        assert error_code(lambda: sqs.set_queue_attributes(QueueUrl=url, Attributes={attribute: DEEP_OBJECT})) \
            in ("InvalidAttributeValue", "InvalidParameterValue")
    sns = client("sns", fanoutd.endpoint)
    topic = sns.create_topic(Name=unique("deep"))["TopicArn"]
    for attribute in ("Policy", "DeliveryPolicy"):
        assert error_code(lambda: sns.set_topic_attributes(
            TopicArn=topic, AttributeName=attribute, AttributeValue=DEEP_OBJECT)) == "InvalidParameter"
    queue_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sub = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn,
                        ReturnSubscriptionArn=True)["SubscriptionArn"]
    for attribute in ("FilterPolicy", "RedrivePolicy", "DeliveryPolicy"):
        assert error_code(lambda: sns.set_subscription_attributes(
            SubscriptionArn=sub, AttributeName=attribute, AttributeValue=DEEP_OBJECT)) == "InvalidParameter"
    # A body-scope filter evaluates each message's body as JSON: a deep one simply does not match.
    sns.set_subscription_attributes(SubscriptionArn=sub, AttributeName="FilterPolicyScope",
                                    AttributeValue="MessageBody")
    sns.set_subscription_attributes(SubscriptionArn=sub, AttributeName="FilterPolicy",
                                    AttributeValue='{"a": {"a": [{"exists": true}]}}')
    sns.publish(TopicArn=topic, Message=DEEP_OBJECT[:250000])
    assert error_code(lambda: sns.publish(TopicArn=topic, Message=DEEP_OBJECT[:250000],
                                          MessageStructure="json")) == "InvalidParameter"
    assert healthy(fanoutd)


def test_deep_s3_xml_bodies_are_malformed(fanoutd, unique):
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
    s3 = client("s3", fanoutd.endpoint)
    bucket = unique("deep")
    s3.create_bucket(Bucket=bucket)
    upload = s3.create_multipart_upload(Bucket=bucket, Key="k")["UploadId"]

    def send(method, path, root):
        body = f"<{root}>".encode() + b"<x>" * 200000 + b"</x>" * 200000 + f"</{root}>".encode()
        headers = {"x-amz-content-sha256": hashlib.sha256(body).hexdigest(),
                   "Content-MD5": base64.b64encode(hashlib.md5(body).digest()).decode()}
        request = AWSRequest(method=method, url=fanoutd.endpoint + path, data=body, headers=headers)
        SigV4Auth(Credentials("test", "test"), "s3", "us-east-1").add_auth(request)
        r = urllib.request.Request(request.url, data=body, method=method, headers=dict(request.headers))
        with pytest.raises(urllib.error.HTTPError) as info:
            urllib.request.urlopen(r, timeout=30)
        return info.value.code, info.value.read()

    for method, path, root in (("POST", f"/{bucket}?delete", "Delete"),
                               ("POST", f"/{bucket}/k?uploadId={upload}", "CompleteMultipartUpload"),
                               ("PUT", f"/{bucket}?tagging", "Tagging"),
                               ("PUT", f"/{bucket}/k?tagging", "Tagging")):
        status, body = send(method, path, root)
        assert (status, b"<Code>MalformedXML</Code>" in body) == (400, True), (path, body[:300])
    assert healthy(fanoutd)
