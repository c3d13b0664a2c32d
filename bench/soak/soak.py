#!/usr/bin/env python3
"""Crash-and-restart soak of the reference pipeline (issue 9).

Starts fanoutd with the reference stack (infra/infra.yaml deployed at start-up), adds a FIFO leg
of its own (FIFO topic -> FIFO queue, created through the API) and a queue it sends to directly,
then, while real boto3 clients publish at a steady rate and consume every queue (receive +
delete), kills fanoutd with SIGKILL at random moments and restarts it on the same data dir.

Every client call is logged to an append-only file before it is made and again once it is
acknowledged; the verdict is computed from those logs alone, after the run:

  * every acknowledged Publish reached both reference queues and the bucket (a Firehose object
    under landing_date=),
  * every acknowledged SendMessage was received at least once,
  * nothing whose DeleteMessage was acknowledged was received again,
  * no FIFO message group was delivered out of order.

Exit status 0 when all hold, 1 otherwise; the counts are printed either way.
"""
import argparse
import json
import os
import pathlib
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

import boto3
from botocore.config import Config

SOURCE = pathlib.Path(__file__).resolve().parents[2]
FIFO_GROUPS = 4


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Log:
    """One append-only log per client thread. Lines are flushed as written, so the file holds
    the exact order in which this thread's calls were made and acknowledged."""

    def __init__(self, path):
        self.file = open(path, "a", buffering=1)

    def write(self, *fields):
        self.file.write("\t".join(str(f) for f in fields) + "\n")
        self.file.flush()

    def close(self):
        self.file.close()


def read_log(path):
    with open(path) as f:
        return [line.rstrip("\n").split("\t") for line in f if line.endswith("\n")]


class Server:
    """fanoutd with the reference stack, killed and restarted on the same data dir."""

    def __init__(self, binary, data_dir, port, interval, durability, log_path):
        self.binary, self.data_dir, self.port = binary, data_dir, port
        self.interval, self.durability = interval, durability
        self.log = open(log_path, "ab")
        self.proc = None
        self.starts = 0
        self.start_seconds = []

    @property
    def endpoint(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout=120):
        began = time.time()
        args = [self.binary, "--listen", f"127.0.0.1:{self.port}", "--data-dir", self.data_dir,
                "--durability", self.durability, "--log-level", "warn",
                "--deploy", str(SOURCE / "infra" / "infra.yaml"), "--stack-name", "soak",
                "--deploy-parameter", f"BufferIntervalSeconds={self.interval}"]
        self.log.write(f"--- start {self.starts} at {began:.3f}\n".encode())
        self.log.flush()
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT)
        self.starts += 1
        while time.time() < began + timeout:
            if self.proc.poll() is not None:
                raise RuntimeError(f"fanoutd exited with {self.proc.returncode} at start {self.starts}; "
                                   f"see {self.log.name}")
            try:
                with urllib.request.urlopen(self.endpoint + "/_fanout/health", timeout=1) as r:
                    if r.status == 200:
                        self.start_seconds.append(time.time() - began)
                        return
            except OSError:
                time.sleep(0.02)
        raise RuntimeError(f"fanoutd not healthy after {timeout} s; see {self.log.name}")

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self.log.write(f"--- killed at {time.time():.3f}\n".encode())
        self.log.flush()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                return self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise RuntimeError("fanoutd did not stop within 30 s of SIGTERM")
        return self.proc.returncode if self.proc else None


def client(service, endpoint):
    # No SDK retries: the tool decides what counts as acknowledged, so a call is one attempt.
    config = Config(retries={"total_max_attempts": 1}, connect_timeout=2, read_timeout=30,
                    max_pool_connections=4)
    return boto3.client(service, endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="test",
                        aws_secret_access_key="test", config=config)


def retry(call, attempts=200):
    """For set-up calls only (not logged): the server may be restarting."""
    for i in range(attempts):
        try:
            return call()
        except Exception:  # noqa: BLE001 - any transport or service error: try again
            if i == attempts - 1:
                raise
            time.sleep(0.1)


def set_up(endpoint):
    """The reference stack's Outputs plus the soak's own direct queue and FIFO leg."""
    cfn, sqs, sns = client("cloudformation", endpoint), client("sqs", endpoint), client("sns", endpoint)
    stack = retry(lambda: cfn.describe_stacks(StackName="soak"))["Stacks"][0]
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}
    direct = retry(lambda: sqs.create_queue(QueueName="soak-direct",
                                            Attributes={"VisibilityTimeout": "5"}))["QueueUrl"]
    fifo_queue = retry(lambda: sqs.create_queue(
        QueueName="soak-order.fifo", Attributes={"FifoQueue": "true", "VisibilityTimeout": "5"}))["QueueUrl"]
    fifo_queue_arn = retry(lambda: sqs.get_queue_attributes(QueueUrl=fifo_queue, AttributeNames=["QueueArn"]))[
        "Attributes"]["QueueArn"]
    fifo_topic = retry(lambda: sns.create_topic(Name="soak-order.fifo", Attributes={"FifoTopic": "true"}))[
        "TopicArn"]
    policy = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"}, "Action": "sqs:SendMessage",
        "Resource": fifo_queue_arn, "Condition": {"ArnEquals": {"aws:SourceArn": fifo_topic}}}]}
    retry(lambda: sqs.set_queue_attributes(QueueUrl=fifo_queue, Attributes={"Policy": json.dumps(policy)}))
    subs = retry(lambda: sns.list_subscriptions_by_topic(TopicArn=fifo_topic))["Subscriptions"]
    if not any(s["Endpoint"] == fifo_queue_arn for s in subs):
        retry(lambda: sns.subscribe(TopicArn=fifo_topic, Protocol="sqs", Endpoint=fifo_queue_arn,
                                    Attributes={"RawMessageDelivery": "true"}))
    return {
        "topic": outputs["TopicArn"], "bucket": outputs["BucketName"],
        "queues": {"orders": outputs["OrdersQueueUrl"], "payments": outputs["PaymentsQueueUrl"],
                   "direct": direct, "fifo": fifo_queue},
        "fifo_topic": fifo_topic,
    }


def publisher(endpoint, targets, rate, stop, log_dir):
    """One tick per 1/rate s: a Publish to the reference topic, a SendMessage to the direct queue and
    a Publish to the FIFO topic (group tick % FIFO_GROUPS, sequence per group)."""
    sns, sqs = client("sns", endpoint), client("sqs", endpoint)
    log = Log(log_dir / "publish.log")
    seq = [0] * FIFO_GROUPS
    tick, next_at = 0, time.monotonic()
    while not stop.is_set():
        calls = [
            ("pub", f"p{tick}", lambda body: sns.publish(TopicArn=targets["topic"], Message=body)),
            ("send", f"s{tick}", lambda body: sqs.send_message(QueueUrl=targets["queues"]["direct"],
                                                               MessageBody=body)),
        ]
        group = tick % FIFO_GROUPS
        seq[group] += 1
        fifo_id = f"f{tick}"
        calls.append(("fifo", fifo_id, lambda body, g=group, i=fifo_id: sns.publish(
            TopicArn=targets["fifo_topic"], Message=body, MessageGroupId=f"g{g}", MessageDeduplicationId=i)))
        for kind, event_id, call in calls:
            body = json.dumps({"event_id": event_id, "group": f"g{group}", "seq": seq[group]}) + "\n"
            log.write("B", kind, event_id)
            try:
                answer = call(body)
                log.write("A", kind, event_id, answer["MessageId"])
            except Exception as e:  # noqa: BLE001 - any failure: not acknowledged
                log.write("F", kind, event_id, type(e).__name__)
        tick += 1
        next_at += 1.0 / rate
        delay = next_at - time.monotonic()
        if delay > 0:
            stop.wait(delay)
        else:
            next_at = time.monotonic()  # behind (server down): don't burst to catch up
    log.close()


def consumer(endpoint, name, url, stop, log_dir):
    """Receive (long poll), log every message, delete the batch, log each acknowledged delete."""
    sqs = client("sqs", endpoint)
    log = Log(log_dir / f"consume-{name}.log")
    while not stop.is_set():
        try:
            log.write("BR")
            answer = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1,
                                         AttributeNames=["All"])
        except Exception as e:  # noqa: BLE001
            log.write("FR", type(e).__name__)
            stop.wait(0.05)
            continue
        messages = answer.get("Messages", [])
        for m in messages:
            body = json.loads(m["Body"])
            log.write("R", m["MessageId"], body["event_id"], body["group"], body["seq"])
        if not messages:
            continue
        entries = [{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)]
        for m in messages:
            log.write("BD", m["MessageId"])
        try:
            answer = sqs.delete_message_batch(QueueUrl=url, Entries=entries)
        except Exception as e:  # noqa: BLE001
            log.write("FD", type(e).__name__)
            continue
        for ok in answer.get("Successful", []):
            log.write("D", messages[int(ok["Id"])]["MessageId"])
    log.close()


def bucket_reader(endpoint, bucket, stop, log_dir):
    """Reads each new Firehose object under landing_date= once and logs the event ids in it."""
    s3 = client("s3", endpoint)
    log = Log(log_dir / "bucket.log")
    seen = set()
    while True:
        final = stop.is_set()
        try:
            keys = []
            for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix="landing_date="):
                keys += [o["Key"] for o in page.get("Contents", [])]
            for key in keys:
                if key in seen:
                    continue
                body = s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode()
                for line in body.splitlines():
                    if line.strip():
                        log.write("O", key, json.loads(line)["event_id"])
                seen.add(key)
        except Exception as e:  # noqa: BLE001
            log.write("FL", type(e).__name__)
        if final:
            break
        stop.wait(0.5)
    log.close()


def verify(log_dir):
    """The verdict, from the clients' logs only."""
    acked = {"pub": set(), "send": set(), "fifo": set()}
    attempted = {"pub": 0, "send": 0, "fifo": 0}
    failed = {"pub": 0, "send": 0, "fifo": 0}
    for rec in read_log(log_dir / "publish.log"):
        if rec[0] == "B":
            attempted[rec[1]] += 1
        elif rec[0] == "A":
            acked[rec[1]].add(rec[2])
        elif rec[0] == "F":
            failed[rec[1]] += 1
    counts = {"attempted": attempted, "acknowledged": {k: len(v) for k, v in acked.items()},
              "failed (not acknowledged)": failed}
    problems = []
    received = {}
    for queue in ("orders", "payments", "direct", "fifo"):
        ids, receives, redelivered, deletes, resurrected = set(), 0, 0, 0, 0
        deleted, seen_ids = set(), set()
        group_last, reorders = {}, 0
        for rec in read_log(log_dir / f"consume-{queue}.log"):
            if rec[0] == "R":
                message_id, event_id, group, seq = rec[1], rec[2], rec[3], int(rec[4])
                receives += 1
                if message_id in deleted:
                    resurrected += 1
                    problems.append(f"{queue}: message {message_id} ({event_id}) received after its delete "
                                    "was acknowledged")
                if message_id in seen_ids:
                    redelivered += 1
                    continue
                seen_ids.add(message_id)
                if queue == "fifo":
                    # The first delivery of each message, per group, must follow publish order.
                    if seq <= group_last.get(group, 0):
                        reorders += 1
                        problems.append(f"fifo: group {group} delivered seq {seq} after seq {group_last[group]}")
                    group_last[group] = max(seq, group_last.get(group, 0))
                ids.add(event_id)
            elif rec[0] == "D":
                deletes += 1
                deleted.add(rec[1])
        received[queue] = ids
        counts[f"queue {queue}"] = {"receives": receives, "distinct events": len(ids),
                                    "redeliveries": redelivered, "deletes acknowledged": deletes,
                                    "received after acknowledged delete": resurrected,
                                    **({"fifo reorders": reorders} if queue == "fifo" else {})}
    landed, records = set(), 0
    if (log_dir / "bucket.log").exists():
        for rec in read_log(log_dir / "bucket.log"):
            if rec[0] == "O":
                records += 1
                landed.add(rec[2])
    counts["bucket"] = {"records": records, "distinct events": len(landed),
                        "duplicates": records - len(landed)}
    expectations = [("pub", "orders", received["orders"]), ("pub", "payments", received["payments"]),
                    ("pub", "bucket", landed), ("send", "direct", received["direct"]),
                    ("fifo", "fifo", received["fifo"])]
    missing = {}
    for kind, where, got in expectations:
        lost = sorted(acked[kind] - got, key=lambda e: int(e[1:]))
        missing[f"{kind} -> {where}"] = len(lost)
        if lost:
            problems.append(f"{len(lost)} acknowledged {kind} never reached {where}: {lost[:10]}")
    counts["acknowledged but missing"] = missing
    counts["unacknowledged that arrived anyway"] = {
        "pub": len((received["orders"] | landed) - acked["pub"]),
        "send": len(received["direct"] - acked["send"]), "fifo": len(received["fifo"] - acked["fifo"])}
    return counts, problems


def all_arrived(log_dir):
    counts, problems = verify(log_dir)
    return not any(counts["acknowledged but missing"].values())


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fanoutd", default=os.environ.get("FANOUTD_BIN", str(SOURCE / "build/apps/fanoutd/fanoutd")))
    parser.add_argument("--cycles", type=int, default=10, help="kill -9 + restart cycles (default 10)")
    parser.add_argument("--rate", type=float, default=20, help="publish ticks per second (default 20)")
    parser.add_argument("--duration", type=float, default=60,
                        help="seconds of load; the kills fall at random moments within it (default 60)")
    parser.add_argument("--seed", type=int, default=None, help="random seed for the kill moments")
    parser.add_argument("--interval", type=int, default=1, help="Firehose BufferIntervalSeconds (default 1)")
    parser.add_argument("--durability", default="fsync", help="fanoutd --durability (default fsync)")
    parser.add_argument("--drain", type=float, default=60,
                        help="max seconds to wait after the load for everything acknowledged to arrive")
    parser.add_argument("--work-dir", help="data dir + logs (default: a temporary dir, removed on success)")
    args = parser.parse_args()

    seed = args.seed if args.seed is not None else random.randrange(1 << 32)
    rng = random.Random(seed)
    work = pathlib.Path(args.work_dir or tempfile.mkdtemp(prefix="fanout-soak-"))
    work.mkdir(parents=True, exist_ok=True)
    log_dir = work / "logs"
    log_dir.mkdir(exist_ok=True)
    server = Server(args.fanoutd, str(work / "data"), free_port(), args.interval, args.durability,
                    log_dir / "fanoutd.log")
    print(f"soak: seed {seed}, {args.cycles} cycles over {args.duration:g} s at {args.rate:g} ticks/s; "
          f"work dir {work}", flush=True)
    began = time.time()
    server.start()
    targets = set_up(server.endpoint)

    stop_load, stop_consumers, stop_bucket = threading.Event(), threading.Event(), threading.Event()
    threads = [threading.Thread(target=publisher, args=(server.endpoint, targets, args.rate, stop_load, log_dir))]
    for name, url in targets["queues"].items():
        threads.append(threading.Thread(target=consumer, args=(server.endpoint, name, url, stop_consumers, log_dir)))
    bucket_thread = threading.Thread(target=bucket_reader,
                                     args=(server.endpoint, targets["bucket"], stop_bucket, log_dir))
    for t in threads + [bucket_thread]:
        t.start()

    try:
        # One kill per slot of duration/cycles, at a random moment inside it (after the restart).
        slot = args.duration / max(args.cycles, 1)
        load_began = time.monotonic()
        for cycle in range(args.cycles):
            at = load_began + cycle * slot + rng.uniform(0, slot)
            delay = at - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            server.kill9()
            time.sleep(rng.uniform(0, 0.2))  # clients hit a dead port for a moment
            server.start()
        remaining = load_began + args.duration - time.monotonic()
        if remaining > 0:
            time.sleep(remaining)
        load_seconds = time.monotonic() - load_began
        stop_load.set()
        threads[0].join()
        deadline = time.time() + args.drain
        while time.time() < deadline and not all_arrived(log_dir):
            time.sleep(0.5)
    finally:
        stop_load.set()
        stop_consumers.set()
        stop_bucket.set()
        for t in threads + [bucket_thread]:
            t.join()
        rc = server.stop()

    counts, problems = verify(log_dir)
    print(f"soak: {args.cycles} kill -9 cycles, {server.starts} starts (mean start "
          f"{sum(server.start_seconds) / len(server.start_seconds):.2f} s, max {max(server.start_seconds):.2f} s), "
          f"{load_seconds:.0f} s of load, {time.time() - began:.0f} s in all; fanoutd exit {rc} on SIGTERM")
    for key, value in counts.items():
        print(f"  {key}: " + ", ".join(f"{k} {v}" for k, v in value.items()))
    if rc != 0:
        problems.append(f"fanoutd exited {rc} on SIGTERM")
    if problems:
        print(f"soak: FAILED ({len(problems)} problems); logs in {log_dir}")
        for p in problems[:30]:
            print("  " + p)
        return 1
    print("soak: OK: zero loss, nothing deleted came back, FIFO order kept")
    if not args.work_dir:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
