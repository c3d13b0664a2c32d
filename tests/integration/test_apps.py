"""The e-commerce apps (C++ producer and orders/payments consumers on the fanout_client library)
against a real fanoutd: the reference topology built with boto3 (one topic, an orders queue with
raw delivery, a payments queue with the SNS envelope, each with a DLQ), every event recorded
exactly once in both SQLite databases, kill -9 and restart of fanoutd mid-run, poison messages
ending in the DLQ, visibility extension for slow work, and configuration errors."""
import json
import os
import signal
import sqlite3
import subprocess
import time
import uuid

import pytest

from conftest import client
from fanoutd_process import Fanoutd, free_port

APPS_DIR = os.path.dirname(os.path.dirname(os.environ.get("FANOUTD_BIN", "fanoutd")))
PRODUCER = os.environ.get("FANOUT_PRODUCER_BIN", os.path.join(APPS_DIR, "producer", "producer"))
CONSUMER = os.environ.get("FANOUT_CONSUMER_BIN", os.path.join(APPS_DIR, "consumers", "consumer"))


def app_env(endpoint, home):
    """The apps see only the .env for credentials (a private HOME hides any ~/.aws) and fanoutd as
    the endpoint; the region comes from the topic ARN / queue URL."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update({"HOME": str(home), "AWS_ENDPOINT_URL": endpoint})
    return env


def make_queue(sqs, name, **attributes):
    url = sqs.create_queue(QueueName=name, Attributes={k: str(v) for k, v in attributes.items()})["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn


def build_topology(endpoint, tmp_path, visibility=30, max_receive_count=3):
    """The reference infrastructure (what infra/infra.yaml deploys), made with boto3, and its .env."""
    sns, sqs = client("sns", endpoint), client("sqs", endpoint)
    suffix = uuid.uuid4().hex[:8]
    topic = sns.create_topic(Name=f"consumers-{suffix}")["TopicArn"]
    out = {"topic": topic, "sqs": sqs}
    for service, raw in (("orders", "true"), ("payments", "false")):
        dlq_url, dlq_arn = make_queue(sqs, f"{service}-dlq-{suffix}")
        url, arn = make_queue(sqs, f"{service}-{suffix}", VisibilityTimeout=visibility,
                              RedrivePolicy=json.dumps({"deadLetterTargetArn": dlq_arn,
                                                        "maxReceiveCount": max_receive_count}))
        policy = {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"}, "Action": "sqs:SendMessage",
            "Resource": arn, "Condition": {"ArnEquals": {"aws:SourceArn": topic}}}]}
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps(policy)})
        attributes = {"RawMessageDelivery": raw}
        if service == "orders":
            attributes["FilterPolicy"] = json.dumps({"event_type": ["consumer.created"]})
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes=attributes)
        out[service] = url
        out[f"{service}_dlq"] = dlq_url
    env_file = tmp_path / ".env"
    env_file.write_text(f"ACCESS_KEY=test\nSECRET_KEY=test\nARN={topic}\n"
                        f"URL_ORDERS={out['orders']}\nURL_PAYMENTS={out['payments']}\n")
    out["env_file"] = env_file
    return out


class App:
    def __init__(self, args, env, log_path):
        self.log_path = log_path
        self.log = open(log_path, "wb")
        self.proc = subprocess.Popen(args, env=env, stdout=self.log, stderr=subprocess.STDOUT)

    def output(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")

    def wait(self, timeout):
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError(f"{self.proc.args[0]} did not finish in {timeout}s:\n{self.output()[-3000:]}")

    def stop(self, timeout=10):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        return self.wait(timeout)


def consumer(service, topology, env, tmp_path, *extra):
    db = tmp_path / f"{service}.db"
    app = App([CONSUMER, "--service", service, "--env", str(topology["env_file"]), "--db", str(db), *extra], env,
              tmp_path / f"{service}.log")
    app.db = db
    return app


def producer(topology, env, tmp_path, count, rate, *extra):
    return App([PRODUCER, "--env", str(topology["env_file"]), "--count", str(count), "--rate", str(rate), *extra],
               env, tmp_path / "producer.log")


def rows(db, table):
    if not os.path.exists(db):
        return 0
    with sqlite3.connect(db, timeout=10) as conn:
        try:
            return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        except sqlite3.OperationalError:
            return 0


def event_ids(db, table):
    with sqlite3.connect(db, timeout=10) as conn:
        return [r[0] for r in conn.execute(f"SELECT event_id FROM {table}")]


def wait_for_rows(apps_and_tables, expected, timeout):
    deadline = time.time() + timeout
    while time.time() < deadline:
        counts = [rows(app.db, table) for app, table in apps_and_tables]
        if all(c >= expected for c in counts):
            return counts
        for app, _ in apps_and_tables:
            assert app.proc.poll() is None, f"consumer exited early:\n{app.output()[-3000:]}"
        time.sleep(0.2)
    raise AssertionError(f"rows {[rows(a.db, t) for a, t in apps_and_tables]} of {expected} after {timeout}s:\n"
                         + "\n".join(a.output()[-2000:] for a, _ in apps_and_tables))


def queue_depth(sqs, url):
    attributes = sqs.get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])
    return sum(int(v) for v in attributes["Attributes"].values())


def assert_exactly_once(orders_db, payments_db, expected):
    orders, payments = event_ids(orders_db, "orders"), event_ids(payments_db, "payments")
    assert len(orders) == len(set(orders)) == expected
    assert len(payments) == len(set(payments)) == expected
    assert set(orders) == set(payments)
    with sqlite3.connect(orders_db) as conn:
        conn.execute("ATTACH DATABASE ? AS p", (str(payments_db),))
        mismatched = conn.execute("SELECT count(*) FROM orders o JOIN p.payments y USING (event_id) "
                                  "WHERE o.order_id != y.order_id OR o.total_cents != y.amount_cents").fetchone()[0]
    assert mismatched == 0


def test_pipeline_records_every_event_exactly_once(fanoutd, tmp_path):
    topology = build_topology(fanoutd.endpoint, tmp_path)
    env = app_env(fanoutd.endpoint, tmp_path)
    orders = consumer("orders", topology, env, tmp_path)
    payments = consumer("payments", topology, env, tmp_path)
    count = 400
    try:
        prod = producer(topology, env, tmp_path, count, 2000)
        assert prod.wait(60) == 0, prod.output()
        assert f"sent {count}," in prod.output()
        wait_for_rows([(orders, "orders"), (payments, "payments")], count, 60)
        # Both services are in a 20 s long poll now; SIGTERM must still end them promptly.
        started = time.time()
        assert orders.stop() == 0
        assert payments.stop() == 0
        assert time.time() - started < 8
    finally:
        orders.stop()
        payments.stop()
    assert_exactly_once(orders.db, payments.db, count)
    assert queue_depth(topology["sqs"], topology["orders"]) == 0
    assert queue_depth(topology["sqs"], topology["payments"]) == 0
    assert f"recorded {count}" in orders.output()
    assert "credentials from " + str(topology["env_file"]) in orders.output()


def test_fanoutd_kill9_and_restart_mid_run_loses_and_double_books_nothing(tmp_path):
    data_dir = tmp_path / "fanoutd-data"
    data_dir.mkdir()
    port = free_port()
    server = Fanoutd(data_dir=str(data_dir), port=port).start()
    try:
        topology = build_topology(server.endpoint, tmp_path, visibility=10)
        env = app_env(server.endpoint, tmp_path)
        orders = consumer("orders", topology, env, tmp_path)
        payments = consumer("payments", topology, env, tmp_path)
        count = 1200
        try:
            prod = producer(topology, env, tmp_path, count, 300)
            time.sleep(1.5)
            server.kill9()
            time.sleep(1.0)
            server = Fanoutd(data_dir=str(data_dir), port=port).start()
            assert prod.wait(90) == 0, prod.output()
            # The kill landed mid-run: the producer saw the outage and rode it out.
            assert "publish failed, will retry" in prod.output(), prod.output()
            wait_for_rows([(orders, "orders"), (payments, "payments")], count, 90)
            time.sleep(1.0)  # let any redelivery of an unacknowledged delete arrive
            assert orders.stop() == 0
            assert payments.stop() == 0
        finally:
            orders.stop()
            payments.stop()
        assert_exactly_once(orders.db, payments.db, count)
    finally:
        server.close()


def test_poison_message_is_left_for_the_dlq(fanoutd, tmp_path):
    topology = build_topology(fanoutd.endpoint, tmp_path, visibility=1, max_receive_count=2)
    sqs = topology["sqs"]
    env = app_env(fanoutd.endpoint, tmp_path)
    sqs.send_message(QueueUrl=topology["orders"], MessageBody="{this is not json")
    bad_total = {"event_type": "consumer.created", "event_version": "1.0", "event_id": str(uuid.uuid4()),
                 "occurred_at": "2026-01-01T00:00:00.000Z",
                 "consumer": {"id": "c", "name": "n", "email": "a@b.c", "document_number": "1",
                              "address": {"street": "s", "city": "c", "state": "s", "postal_code": "p",
                                          "country": "BR"}, "created_at": "2026-01-01T00:00:00.000Z"},
                 "order": {"id": "o", "consumer_id": "c", "currency": "BRL", "total": "9.99",
                           "items": [{"sku": "X", "quantity": 1, "unit_price": "1.00"}]},
                 "payment": {"id": "p", "order_id": "o", "method": "pix", "amount": "9.99", "currency": "BRL",
                             "status": "approved"}}
    sqs.send_message(QueueUrl=topology["orders"], MessageBody=json.dumps(bad_total))
    orders = consumer("orders", topology, env, tmp_path, "--wait-seconds", "1")
    try:
        prod = producer(topology, env, tmp_path, 3, 100)
        assert prod.wait(30) == 0, prod.output()
        wait_for_rows([(orders, "orders")], 3, 30)
        deadline = time.time() + 30
        dead = []
        while len(dead) < 2 and time.time() < deadline:
            resp = sqs.receive_message(QueueUrl=topology["orders_dlq"], MaxNumberOfMessages=10, WaitTimeSeconds=1)
            dead += resp.get("Messages", [])
        assert sorted(m["Body"] for m in dead) == sorted(["{this is not json", json.dumps(bad_total)])
    finally:
        assert orders.stop() == 0
    log = orders.output()
    assert "POISON message" in log and "not a JSON object" in log
    assert "order.total must equal the sum of quantity x unit_price" in log
    assert "maxReceiveCount 2" in log
    assert rows(orders.db, "orders") == 3


def test_slow_work_is_covered_by_visibility_extension(fanoutd, tmp_path):
    topology = build_topology(fanoutd.endpoint, tmp_path, visibility=4)
    env = app_env(fanoutd.endpoint, tmp_path)
    # 7 s of work per batch against a 4 s visibility timeout: without extensions (every 2 s) the
    # other worker would receive the same messages again and book them as duplicates.
    orders = consumer("orders", topology, env, tmp_path, "--workers", "2", "--wait-seconds", "1",
                      "--work-delay-ms", "7000")
    try:
        prod = producer(topology, env, tmp_path, 5, 100)
        assert prod.wait(30) == 0, prod.output()
        wait_for_rows([(orders, "orders")], 5, 40)
        time.sleep(4.5)  # past the moment an unextended batch would have been redelivered
    finally:
        assert orders.stop(15) == 0
    assert rows(orders.db, "orders") == 5
    assert "duplicates 0," in orders.output().splitlines()[-1], orders.output()
    assert queue_depth(topology["sqs"], topology["orders"]) == 0


def test_configuration_errors_name_the_problem(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env["HOME"] = str(tmp_path)
    bad = tmp_path / "bad.env"
    bad.write_text("ACCESS_KEY=test\nSECRET_KEY test\n")
    out = subprocess.run([PRODUCER, "--env", str(bad), "--count", "1"], env=env, capture_output=True, text=True,
                         timeout=10)
    assert out.returncode == 2
    assert f"{bad}:2: malformed line (expected NAME=value): SECRET_KEY test" in out.stderr

    partial = tmp_path / "partial.env"
    partial.write_text("ACCESS_KEY=test\nSECRET_KEY=test\nARN=arn:aws:sns:us-east-1:000000000000:t\n"
                       "URL_ORDERS=http://127.0.0.1:1/000000000000/orders\n")
    out = subprocess.run([CONSUMER, "--service", "payments", "--env", str(partial)], env=env, capture_output=True,
                         text=True, timeout=10)
    assert out.returncode == 2
    assert f"{partial}: missing required variable URL_PAYMENTS" in out.stderr

    no_secret = tmp_path / "nosecret.env"
    no_secret.write_text("ACCESS_KEY=test\nARN=arn:aws:sns:us-east-1:000000000000:t\n")
    out = subprocess.run([PRODUCER, "--env", str(no_secret), "--count", "1"], env=env, capture_output=True, text=True,
                         timeout=10)
    assert out.returncode == 2
    assert f"{no_secret}: missing required variable SECRET_KEY" in out.stderr
