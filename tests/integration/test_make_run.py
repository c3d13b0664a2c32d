"""`make run`'s script (scripts/run) end to end, as a user runs it: fanoutd starts, infra/infra.yaml
deploys through `aws cloudformation deploy`, the .env comes from the stack's Outputs, the producer
publishes, both services record every event exactly once, Firehose lands every event under today's
landing_date= partition, and Ctrl-C stops everything cleanly."""
import datetime
import json
import os
import pathlib
import signal
import socket
import sqlite3
import subprocess
import time

SOURCE = pathlib.Path(os.environ.get("FANOUT_SOURCE_DIR", pathlib.Path(__file__).resolve().parents[2]))
EVENTS = 60


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def event_ids_in_db(path, table):
    if not path.exists():
        return []
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=1)
        return [row[0] for row in db.execute(f"SELECT event_id FROM {table}")]
    except sqlite3.Error:
        return []


def landed_event_ids(data_dir):
    """Every event id in the objects Firehose wrote under landing_date=<today UTC>/ (one JSON per line)."""
    today = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")
    ids = []
    for path in (data_dir / "s3").glob(f"*/*/landing_date={today}/*"):
        for line in path.read_text().splitlines():
            if line.strip():
                ids.append(json.loads(line)["event_id"])
    return ids


def test_make_run_deploys_the_reference_stack_and_runs_the_pipeline(tmp_path):
    build = pathlib.Path(os.environ["FANOUTD_BIN"]).resolve().parents[2]
    data_dir = tmp_path / "data"
    env_file = tmp_path / "reference.env"
    env = dict(os.environ, BUILD=str(build), FANOUT_DATA_DIR=str(data_dir), FANOUT_LISTEN=f"127.0.0.1:{free_port()}",
               FANOUT_RUN_FAST="1", FANOUT_RUN_INTERVAL="2", FANOUT_RUN_COUNT=str(EVENTS),
               FANOUT_RUN_ENV_FILE=str(env_file), FANOUT_STACK="make-run-test")
    log = open(tmp_path / "run.log", "w+")
    run = subprocess.Popen(["bash", str(SOURCE / "scripts" / "run"), "--durability", "relaxed"], cwd=SOURCE, env=env,
                           stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.time() + 180
        run_dir = data_dir / "run"
        while time.time() < deadline:
            assert run.poll() is None, (tmp_path / "run.log").read_text()
            orders = event_ids_in_db(run_dir / "orders.db", "orders")
            payments = event_ids_in_db(run_dir / "payments.db", "payments")
            landed = landed_event_ids(data_dir)
            if len(orders) >= EVENTS and len(payments) >= EVENTS and len(set(landed)) >= EVENTS:
                break
            time.sleep(1)
        else:
            raise AssertionError("pipeline incomplete: orders %d payments %d landed %d\n%s" % (
                len(orders), len(payments), len(set(landed)), (tmp_path / "run.log").read_text()))

        # The .env the apps need, from the stack's Outputs.
        values = dict(line.split("=", 1) for line in env_file.read_text().splitlines() if "=" in line
                      and not line.startswith("#"))
        assert values["ARN"].endswith(":created-consumer")
        assert "api-orders-created-consumer" in values["URL_ORDERS"]
        assert "api-payment-created-payment" in values["URL_PAYMENTS"]
        # Exactly once in each service's DB, the same events in both and in the bucket.
        assert len(orders) == len(set(orders)) == EVENTS
        assert set(payments) == set(orders)
        assert set(landed) == set(orders)

        # Ctrl-C: everything stops cleanly, fanoutd last.
        run.send_signal(signal.SIGINT)
        assert run.wait(timeout=30) == 0 or run.returncode == 130, (tmp_path / "run.log").read_text()
        output = (tmp_path / "run.log").read_text()
        assert "run: stopped." in output, output
        assert "deploys infra/infra.yaml" in output
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
            run.wait()
        log.close()
