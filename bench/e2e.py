#!/usr/bin/env python3
"""End-to-end benchmark of the e-commerce pipeline: producer -> SNS -> two SQS queues -> orders and
payments services committed to SQLite, all on this machine against one fanoutd.

Reports events/s (events / time from the first publish to the last commit in both databases) and
the latency from publish (the event's occurred_at, stamped just before its PublishBatch) to both
records committed (the later of the two services' recorded_at_ms, taken at the start of the
committing transaction), p50/p99.

  bench/e2e.py [--build build] [--count 20000] [--rate 20000] [--durability fsync]
               [--workers 32] [--concurrency 16] [--synchronous-normal] [--raw-only]
               [--reference-stack [--firehose-interval 10]]

--reference-stack deploys infra/infra.yaml at fanoutd's start-up instead of building the topology
with boto3: the reference system whole, with its Firehose subscription (raw deliveries to both
queues and to a stream that lands the events in S3 under landing_date=). Events/s still counts
both databases; the Firehose leg's CPU is in fanoutd's, and the run then waits until the bucket
holds every event and says how long after the last commit that took (up to the buffer interval).
"""
import argparse
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
from fanoutd_process import Fanoutd  # noqa: E402
from conftest import client  # noqa: E402


def write_env(workdir, topic, orders_url, payments_url):
    """The apps' .env, as the reference system configures them."""
    env_file = os.path.join(workdir, ".env")
    with open(env_file, "w") as f:
        f.write(f"ACCESS_KEY=test\nSECRET_KEY=test\nARN={topic}\nURL_ORDERS={orders_url}\n"
                f"URL_PAYMENTS={payments_url}\n")
    return env_file


def topology(endpoint, workdir, envelope):
    sns, sqs = client("sns", endpoint), client("sqs", endpoint)
    topic = sns.create_topic(Name="consumers")["TopicArn"]
    urls = {}
    # The payments subscription delivers the signed SNS envelope unless --raw-only.
    for service, raw in (("orders", "true"), ("payments", "false" if envelope else "true")):
        dlq = sqs.create_queue(QueueName=f"{service}-dlq")["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        url = sqs.create_queue(QueueName=service, Attributes={
            "VisibilityTimeout": "30",
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 5})})["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes={"RawMessageDelivery": raw})
        urls[service] = url
    return write_env(workdir, topic, urls["orders"], urls["payments"])


def reference_stack(endpoint, workdir):
    """The .env of the infra/infra.yaml stack fanoutd deployed at start-up, and its bucket."""
    cfn = client("cloudformation", endpoint)
    stack = cfn.describe_stacks(StackName="fanout-e2e")["Stacks"][0]
    if stack["StackStatus"] != "CREATE_COMPLETE":
        sys.exit(f"stack fanout-e2e: {stack['StackStatus']}")
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}
    env_file = write_env(workdir, outputs["TopicArn"], outputs["OrdersQueueUrl"], outputs["PaymentsQueueUrl"])
    return env_file, outputs["BucketName"]


def read_landed(s3, bucket, landed):
    """Adds to `landed` (object key -> event ids) the objects Firehose wrote since the last call
    under landing_date= (one JSON event per line); objects never change, so each is read once."""
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for item in page.get("Contents", []):
            key = item["Key"]
            if key in landed or "landing_date=" not in key or key.startswith("errors/"):
                continue
            body = s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode()
            landed[key] = {json.loads(line)["event_id"] for line in body.splitlines() if line.strip()}
    return set().union(*landed.values())


def count(db, table):
    try:
        with sqlite3.connect(db, timeout=10) as conn:
            return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    except sqlite3.OperationalError:
        return 0


def cpu_seconds(pid):
    """User + system CPU of a process (all threads), from /proc."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values, p):
    return values[min(len(values) - 1, int(len(values) * p / 100))]


def requests_per_event(endpoint, events):
    """fanoutd's own request counts (/_fanout/metrics), per event: how well the batches fill."""
    totals = {}
    with urllib.request.urlopen(endpoint + "/_fanout/metrics", timeout=10) as response:
        for line in response.read().decode().splitlines():
            match = re.match(r'fanout_requests_total\{service="(\w+)",operation="(\w+)",status="\d+"\} (\d+)', line)
            if match:
                totals[match[2]] = totals.get(match[2], 0) + int(match[3])
            elif line.startswith("fanout_store_fsyncs_total "):
                totals["fsyncs"] = int(line.split()[1])
    wanted = ("PublishBatch", "ReceiveMessage", "DeleteMessageBatch", "ChangeMessageVisibilityBatch", "fsyncs")
    return ", ".join(f"{name} {totals.get(name, 0) / events:.3f}" for name in wanted)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build", default="build")
    parser.add_argument("--count", type=int, default=20000)
    parser.add_argument("--rate", type=float, default=20000)
    parser.add_argument("--durability", default="fsync")
    # Long-polling workers per service. Every worker's batch that is ready while a commit is under
    # way joins the next one, in fanoutd's store and in the service's SQLite alike, so more workers
    # mean fewer fsyncs per event: 4 / 8 / 16 / 32 gave 6.5k / 7.8k / 8.4-9.0k / 9.1-9.7k events/s
    # on the 2-core VM (bench/RESULTS.md, end-to-end run 4).
    parser.add_argument("--workers", type=int, default=32)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--synchronous-normal", action="store_true")
    parser.add_argument("--timeout", type=float, default=300)
    parser.add_argument("--raw-only", action="store_true", help="raw delivery on both queues (no signed envelope)")
    parser.add_argument("--reference-stack", action="store_true",
                        help="deploy infra/infra.yaml (queues, topic and the Firehose -> S3 leg)")
    parser.add_argument("--firehose-interval", type=int, default=10, help="the stack's BufferIntervalSeconds")
    args = parser.parse_args()

    build = os.path.abspath(args.build)
    os.environ["FANOUTD_BIN"] = os.path.join(build, "apps", "fanoutd", "fanoutd")
    producer_bin = os.path.join(build, "apps", "producer", "producer")
    consumer_bin = os.path.join(build, "apps", "consumers", "consumer")
    workdir = tempfile.mkdtemp(prefix="fanout-e2e-")
    deploy = []
    if args.reference_stack:
        deploy = ["--deploy", os.path.join(HERE, "..", "infra", "infra.yaml"), "--stack-name", "fanout-e2e",
                  "--deploy-parameter", f"BufferIntervalSeconds={args.firehose_interval}"]
    server = Fanoutd(*deploy, durability=args.durability).start()
    procs = []
    try:
        if args.reference_stack:
            env_file, bucket = reference_stack(server.endpoint, workdir)
        else:
            env_file = topology(server.endpoint, workdir, not args.raw_only)
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update({"HOME": workdir, "AWS_ENDPOINT_URL": server.endpoint})
        dbs = {}
        for service in ("orders", "payments"):
            dbs[service] = os.path.join(workdir, f"{service}.db")
            extra = ["--synchronous-normal"] if args.synchronous_normal else []
            procs.append(subprocess.Popen(
                [consumer_bin, "--service", service, "--env", env_file, "--db", dbs[service],
                 "--workers", str(args.workers), *extra],
                env=env, stdout=subprocess.DEVNULL, stderr=open(os.path.join(workdir, f"{service}.log"), "w")))
        time.sleep(0.5)
        started = time.time()
        producer = subprocess.Popen(
            [producer_bin, "--env", env_file, "--count", str(args.count), "--rate", str(args.rate),
             "--concurrency", str(args.concurrency), "--quiet"], env=env, stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE, text=True)
        # CPU of the producer is read just before it exits (it waits on stdin-less pipes, so poll).
        producer_cpu = 0.0
        while producer.poll() is None:
            try:
                producer_cpu = cpu_seconds(producer.pid)
            except OSError:
                pass
            time.sleep(0.05)
        producer.stderr_text = producer.stderr.read()
        publish_seconds = time.time() - started
        if producer.returncode != 0:
            sys.exit(f"producer failed: {producer.stderr_text}")
        deadline = time.time() + args.timeout
        while time.time() < deadline:
            if count(dbs["orders"], "orders") >= args.count and count(dbs["payments"], "payments") >= args.count:
                break
            time.sleep(0.2)
        else:
            sys.exit(f"timed out: orders {count(dbs['orders'], 'orders')}, payments {count(dbs['payments'], 'payments')}")
        cpu = {"fanoutd": cpu_seconds(server.proc.pid), "producer": producer_cpu,
               "orders": cpu_seconds(procs[0].pid), "payments": cpu_seconds(procs[1].pid)}
        with sqlite3.connect(dbs["orders"]) as conn:
            conn.execute("ATTACH DATABASE ? AS p", (dbs["payments"],))
            rows = conn.execute("SELECT o.occurred_at_ms, max(o.recorded_at_ms, y.recorded_at_ms), event_id "
                                "FROM orders o JOIN p.payments y USING (event_id)").fetchall()
        first_publish = min(r[0] for r in rows)
        last_commit = max(r[1] for r in rows)
        latencies = sorted(r[1] - r[0] for r in rows)
        seconds = (last_commit - first_publish) / 1000.0
        rate = len(rows) / seconds
        print(f"events {len(rows)} (both databases), publish phase {publish_seconds:.2f} s "
              f"({args.count / publish_seconds:.0f} events/s published)")
        print(f"end to end: {rate:.0f} events/s over {seconds:.2f} s; ratio to the 10,000 events/s target "
              f"{rate / 10000:.2f}")
        print(f"latency publish -> both committed: p50 {percentile(latencies, 50)} ms, "
              f"p99 {percentile(latencies, 99)} ms, max {latencies[-1]} ms")
        print(f"producer: {producer.stderr_text.strip().splitlines()[-1]}")
        print("CPU per event (us): " + ", ".join(f"{name} {seconds / len(rows) * 1e6:.0f}" for name, seconds in cpu.items())
              + f"; total {sum(cpu.values()) / len(rows) * 1e6:.0f} us/event -> "
              f"{len(rows) / sum(cpu.values()):.0f} events/s per fully used core")
        print("requests per event: " + requests_per_event(server.endpoint, len(rows)))
        if args.reference_stack:
            s3 = client("s3", server.endpoint)
            wanted = {r[2] for r in rows}
            deadline = time.time() + args.firehose_interval + 60
            objects = {}
            while True:
                landed = read_landed(s3, bucket, objects)
                if wanted <= landed or time.time() > deadline:
                    break
                time.sleep(1)
            after = time.time() * 1000 - last_commit
            print(f"Firehose -> S3: {len(wanted & landed)} of {len(wanted)} events landed in s3://{bucket}/"
                  f"landing_date=.../ ({after / 1000:.1f} s after the last commit; buffer interval "
                  f"{args.firehose_interval} s)")
            if not wanted <= landed:
                sys.exit("Firehose did not land every event")
        print(f"load average during the run: {os.getloadavg()[0]:.2f} (1 min), {os.cpu_count()} cores")
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
        server.close()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
