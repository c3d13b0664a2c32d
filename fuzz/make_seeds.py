#!/usr/bin/env python3
"""Derives the seed corpora in fuzz/corpus/<target>/ from the real-client captures and SigV4
vectors in ../shared/conformance and from literals in the unit tests, plus a few hand-written
documents per parser. Re-running it rewrites only the seed_* files; inputs that libFuzzer added
(`make fuzz-merge`) are kept. Each seed's first bytes are the target's selector bytes (see the
target's source), and NUL separates the parts of multi-part inputs (fuzz/fuzz_input.h)."""
import hashlib
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SHARED = os.environ.get("FANOUT_SHARED_DIR", os.path.join(os.path.dirname(ROOT), "shared"))
CONF = os.path.join(SHARED, "conformance")
MAX_SEED = 16 * 1024  # keeps the corpus small; the parsers' interesting states come early


def b(text):
    return text if isinstance(text, bytes) else text.encode("latin-1")


class Corpus:
    def __init__(self):
        self.seeds = {}

    def add(self, target, data):
        data = b(data)[:MAX_SEED]
        self.seeds.setdefault(target, {})["seed_" + hashlib.sha1(data).hexdigest()[:16]] = data

    def write(self):
        for target, seeds in self.seeds.items():
            folder = os.path.join(HERE, "corpus", target)
            os.makedirs(folder, exist_ok=True)
            for old in os.listdir(folder):
                if old.startswith("seed_"):
                    os.remove(os.path.join(folder, old))
            for name, data in seeds.items():
                with open(os.path.join(folder, name), "wb") as out:
                    out.write(data)
            print(f"{target}: {len(seeds)} seeds")


def captures():
    folder = os.path.join(CONF, "wire-captures")
    for name in sorted(os.listdir(folder)):
        if name.endswith(".json"):
            with open(os.path.join(folder, name)) as f:
                yield from json.load(f)


def wire_request(method, target, headers, body):
    lines = [f"{method} {target} HTTP/1.1"] + [f"{k}: {v}" for k, v in headers]
    return b("\r\n".join(lines) + "\r\n\r\n") + b(body)


def relaxed_request(method, target, headers, body):
    return b(f"{method} {target}\n" + "".join(f"{k}: {v}\n" for k, v in headers) + "\n") + b(body)


def main():
    c = Corpus()
    # HTTP reader and SigV4: the captured SDK requests, as sent.
    for entry in captures():
        headers = entry["headers"]
        body = entry["body"]
        if not any(k.lower() in ("content-length", "transfer-encoding") for k, _ in headers):
            headers = headers + [["Content-Length", str(len(b(body)))]]
        raw = wire_request(entry["method"], entry["target"], headers, body)
        c.add("http_request", b"\x10" + raw)
        c.add("http_request", b"\x00" + raw + raw)  # keep-alive: two back to back
        for flags in (0x0F, 0x06):
            c.add("sigv4", bytes([flags]) + relaxed_request(entry["method"], entry["target"], headers, body))
        if entry["method"] == "POST" and "x-www-form" in json.dumps(headers):
            c.add("query", b"\x01\x05" + b(body))
            c.add("query", b"\x02\x03" + b(body))
        elif entry["method"] == "POST":
            c.add("json_codec", b"\x00\x00" + b(body))
            c.add("json_codec", b"\x01\x07" + b(body))
        if "aws-chunked" in json.dumps(headers) or body.startswith(("b\r\n", "B\r\n")):
            c.add("aws_chunked", b"\x00\x10" + b(body))
    # SigV4 test suites: signed requests (.sreq).
    suite = os.path.join(CONF, "sigv4", "aws4_testsuite")
    for name in sorted(os.listdir(suite)):
        sreq = os.path.join(suite, name, name + ".sreq")
        if os.path.isfile(sreq):
            text = open(sreq, "rb").read().replace(b"\r\n", b"\n")
            c.add("sigv4", b"\x0e" + text)
            head, _, body = text.partition(b"\n\n")
            c.add("http_request", b"\x07" + head.replace(b"\n", b"\r\n") + b"\r\nContent-Length: "
                  + str(len(body)).encode() + b"\r\n\r\n" + body)
    s3 = json.load(open(os.path.join(CONF, "sigv4", "s3", "s3-sigv4-examples.json")))
    for example in s3["header_auth"]:
        request = example["request"].split("\n", 1)
        method, target = request[0].split(" ")[:2]
        text = f"{method} {target}\n{request[1]}\nAuthorization: {example['authorization']}\n\n{example.get('body', '')}"
        c.add("sigv4", b"\x0f" + b(text))
    url = s3["presigned_url"]
    c.add("sigv4", b"\x0b" + b(f"GET {url['url'][url['url'].index('/', 8):]}\nHost: {url['host']}\n\n")
          if "url" in url else b"\x0b" + b(f"GET {url['path']}\nHost: {url['host']}\n\n"))
    for example in s3["streaming"]:
        layout = example["encoded_body_layout"]
        sigs = [chunk.get("signature", "0" * 64) for chunk in example["chunks"]]
        body = layout
        for i, sig in enumerate(sigs, 1):
            body = body.replace(f"<sig{i}>", sig)
        body = re.sub(r"<(\d+) x '(.)'>", lambda m: m.group(2) * min(int(m.group(1)), 300), body)
        body = body.replace("\\r\\n", "\r\n")
        c.add("aws_chunked", b"\x05\x20" + b(body))
    trailer = s3["unsigned_trailer_observed"]["aws_chunked_body"]
    c.add("aws_chunked", b"\x00\x03" + b(trailer))
    c.add("aws_chunked", b"\x04\x40" + b"5;chunk-signature=" + b"a" * 64 + b"\r\nhello\r\n0;chunk-signature="
          + b"b" * 64 + b"\r\nx-amz-checksum-crc32:AAAAAA==\r\nx-amz-trailer-signature:" + b"c" * 64 + b"\r\n\r\n")

    # Query protocol forms (SQS, SNS, CloudFormation operations picked by the selector bytes).
    forms = [
        "Action=SendMessage&QueueUrl=http%3A%2F%2Flocalhost%2F000000000000%2Fq&MessageBody=hi"
        "&MessageAttribute.1.Name=a&MessageAttribute.1.Value.DataType=String&MessageAttribute.1.Value.StringValue=x"
        "&MessageAttribute.2.Name=b&MessageAttribute.2.Value.DataType=Binary&MessageAttribute.2.Value.BinaryValue=AAEC"
        "&DelaySeconds=5",
        "Action=SendMessageBatch&QueueUrl=u&SendMessageBatchRequestEntry.1.Id=a&SendMessageBatchRequestEntry.1.MessageBody=b",
        "Action=CreateQueue&QueueName=q.fifo&Attribute.1.Name=FifoQueue&Attribute.1.Value=true&Tag.1.Key=k&Tag.1.Value=v",
        "Action=Publish&TopicArn=arn%3Aaws%3Asns%3Aus-east-1%3A000000000000%3At&Message=hello"
        "&MessageAttributes.entry.1.Name=n&MessageAttributes.entry.1.Value.DataType=Number"
        "&MessageAttributes.entry.1.Value.StringValue=1.5",
        "Action=Subscribe&TopicArn=t&Protocol=sqs&Endpoint=e&Attributes.entry.1.key=RawMessageDelivery"
        "&Attributes.entry.1.value=true&ReturnSubscriptionArn=true",
        "Action=CreateStack&StackName=s&TemplateBody=%7B%7D&Parameters.member.1.ParameterKey=P"
        "&Parameters.member.1.ParameterValue=v&Capabilities.member.1=CAPABILITY_IAM&TimeoutInMinutes=5",
    ]
    for i, form in enumerate(forms):
        for service in range(3):
            c.add("query", bytes([service, i * 7]) + b(form))
    # JSON protocol bodies.
    bodies = [
        '{"QueueUrl":"http://localhost:4566/000000000000/q","MessageBody":"x","DelaySeconds":3,'
        '"MessageAttributes":{"a":{"DataType":"String","StringValue":"v"},"b":{"DataType":"Binary","BinaryValue":"AAE="}}}',
        '{"QueueName":"q","Attributes":{"VisibilityTimeout":"30"},"tags":{"k":"v"}}',
        '{"QueueUrl":"u","Entries":[{"Id":"1","MessageBody":"a"},{"Id":"2","MessageBody":"b","DelaySeconds":900}]}',
        '{"DeliveryStreamName":"s","Record":{"Data":"aGVsbG8="}}',
        '{"DeliveryStreamName":"s","Records":[{"Data":"aGVsbG8="},{"Data":""}]}',
        '{"DeliveryStreamName":"s","ExtendedS3DestinationConfiguration":{"RoleARN":"arn:aws:iam::000000000000:role/r",'
        '"BucketARN":"arn:aws:s3:::b","Prefix":"p/!{timestamp:yyyy}/","BufferingHints":{"SizeInMBs":1,"IntervalInSeconds":60}}}',
    ]
    for i, body in enumerate(bodies):
        for service in range(2):
            for op in range(0, 40, 9):
                c.add("json_codec", bytes([service, op + i]) + b(body))
    # Message attributes: selector, requested names, the JSON map.
    attributes = [
        '{"a":{"DataType":"String","StringValue":"v"},"n":{"DataType":"Number","StringValue":"-1.5e3"},'
        '"bin":{"DataType":"Binary","BinaryValue":"AAEC"},"c":{"DataType":"String.custom","StringValue":"x"}}',
        '{"AWSTraceHeader":{"DataType":"String","StringValue":"Root=1-5759e988-bd862e3fe1be46a994272793"}}',
        '{"arr":{"DataType":"String.Array","StringValue":"[\\"a\\",1,true]"},"n":{"DataType":"Number","StringValue":"42"}}',
    ]
    for which in range(3):
        for i, doc in enumerate(attributes):
            c.add("message_attributes", bytes([which]) + b(["All", "a,n.*", ".*"][i]) + b"\0" + b(doc))
    # SNS filter policies and bodies: the unit tests' literals, paired.
    literals = []
    for test in ("tests/unit/sns_filter/filter_policy_test.cc",):
        text = open(os.path.join(ROOT, test)).read()
        literals += [m.group(1) for m in re.finditer(r'R"\((.*?)\)"', text, re.S)]
    objects = [l for l in literals if l.lstrip().startswith("{")]
    attributes_map = '{"store":{"DataType":"String","StringValue":"example_corp"},' \
                     '"price_usd":{"DataType":"Number","StringValue":"210.75"},' \
                     '"customer_interests":{"DataType":"String.Array","StringValue":"[\\"soccer\\",\\"rugby\\"]"}}'
    for i, policy in enumerate(objects):
        body = objects[(i * 7 + 3) % len(objects)]
        c.add("sns_filter", bytes([i & 1]) + b(policy) + b"\0" + b(body) + b"\0" + b(attributes_map))
    # Firehose prefixes and JQ queries.
    prefixes = ["data/!{timestamp:yyyy/MM/dd/HH}/", "!{partitionKeyFromQuery:customer_id}/!{firehose:random-string}/",
                "errors/!{firehose:error-output-type}/!{timestamp:yyyy}/", "plain/prefix/",
                "!{partitionKeyFromLambda:k}/", "a/!{timestamp:yyyy-MM-dd'T'HH:mm:ss}/"]
    queries = ['{customer_id: .customer.id, device: .device["type"], first: .items[0].sku}',
               '{"k": ."quoted key"?, n: .a.b.c}', "{id: .id}"]
    record = '{"customer":{"id":"c-1"},"device":{"type":"phone"},"items":[{"sku":7}],"id":3,"a":{"b":{"c":true}}}'
    for i, prefix in enumerate(prefixes):
        c.add("firehose_prefix", bytes([i * 37]) + b(prefix) + b"\0" + b(queries[i % 3]) + b"\0" + b(record))
    # S3 XML documents and HTTP dates.
    ns = ' xmlns="http://s3.amazonaws.com/doc/2006-03-01/"'
    docs = [
        (0, f'<?xml version="1.0" encoding="UTF-8"?><Delete{ns}><Quiet>true</Quiet><Object><Key>a</Key></Object>'
            '<Object><Key>b&amp;c</Key><VersionId>null</VersionId></Object></Delete>'),
        (1, f'<CompleteMultipartUpload{ns}><Part><PartNumber>1</PartNumber><ETag>"a54357aff0632cce46d942af68356b38"</ETag>'
            '</Part><Part><ETag>"0c78aef83f66abc1fa1e8477f296d394"</ETag><PartNumber>2</PartNumber></Part>'
            '</CompleteMultipartUpload>'),
        (2, f'<CreateBucketConfiguration{ns}><LocationConstraint>eu-west-1</LocationConstraint></CreateBucketConfiguration>'),
        (3, f'<Tagging{ns}><TagSet><Tag><Key>k</Key><Value>v</Value></Tag><Tag><Key>e</Key><Value></Value></Tag>'
            '</TagSet></Tagging>'),
        (4, "Wed, 12 Oct 2009 17:50:00 GMT"), (4, "Wednesday, 12-Oct-09 17:50:00 GMT"), (4, "Wed Oct 12 17:50:00 2009"),
    ]
    for which, doc in docs:
        c.add("s3_xml", bytes([which]) + b(doc))
    # CloudFormation templates: the reference stack and the unit tests' templates.
    for path in ("infra/infra.yaml",):
        c.add("cfn_template", open(os.path.join(ROOT, path), "rb").read())
    cfn_test = os.path.join(ROOT, "tests/unit/cloudformation")
    for name in sorted(os.listdir(cfn_test)) if os.path.isdir(cfn_test) else []:
        if name.endswith(".cc"):
            text = open(os.path.join(cfn_test, name)).read()
            for m in re.finditer(r'R"(\w*)\((.*?)\)\1"', text, re.S):
                body = m.group(2)
                if "Resources" in body or "AWSTemplateFormatVersion" in body:
                    c.add("cfn_template", body)
    # Store records: the JSON-shaped ones by hand (binary ones are learnt from scratch, they are
    # short); selector = 3 * kind + family (see store_records_fuzzer.cc).
    records = [
        (0 + 3 * 3, '{"id":"t1","source_arn":"arn:aws:sqs:us-east-1:000000000000:dlq","account":"000000000000",'
                    '"destination_arn":"","max_per_second":10,"status":"RUNNING","started_ms":1,"moved":0,"to_move":5}'),
        (0 + 3 * 4, '{"id":1,"name":"q","account":"000000000000","attributes":{"VisibilityTimeout":"30"},"tags":{}}'),
        (1 + 3 * 0, '{"arn":"arn:aws:sns:us-east-1:000000000000:t","name":"t","account":"000000000000",'
                    '"region":"us-east-1","fifo":false,"attributes":{},"tags":[["k","v"]]}'),
        (1 + 3 * 2, '{"topic_arn":"arn:aws:sns:us-east-1:000000000000:t","message_id":"m","message":"hi",'
                    '"attributes":[{"n":"a","t":"String","v":"x"}]}'),
        (2 + 3 * 1, '{"id":"s1","name":"s","account":"000000000000","type":"DirectPut"}'),
        (2 + 3 * 2, '{"key":"a/b","size":5,"etag":"\\"abc\\"","last_modified_ms":1,"path":"objects/1"}'),
        (2 + 3 * 3, '{"id":"arn:aws:cloudformation:us-east-1:000000000000:stack/s/1","name":"s","status":"CREATE_COMPLETE",'
                    '"parameters":{"P":"v"},"resources":{"Q":{"type":"AWS::SQS::Queue","status":"CREATE_COMPLETE"}}}'),
        (2 + 3 * 0, b"\x00\x00\x01\x8b\xcf\xe5\x68\x00\x00\x00\x00\x03abcdata"),
    ]
    for selector, record in records:
        c.add("store_records", bytes([selector]) + b(record))
    c.write()


if __name__ == "__main__":
    sys.exit(main())
