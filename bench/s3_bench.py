#!/usr/bin/env python3
"""S3 PUT/GET throughput of fanoutd beside `cp` of the same bytes on the same disk.

Usage: FANOUTD_BIN=build/apps/fanoutd/fanoutd python3 bench/s3_bench.py [--rounds 3] [--durability fsync]

Starts fanoutd (zero-config credentials, so requests go unsigned with UNSIGNED-PAYLOAD, as a
presigned or unsigned client would) on a data dir under --dir (default: a temp dir next to the
repo, i.e. the same disk as `cp`'s copies), then per object size:
  * 64 MiB: `curl -T file` PUT and `curl -o /dev/null` GET, median of the rounds;
  * 1 KiB: 500 PUTs then 500 GETs on one keep-alive connection (Python http.client);
  * the ceiling: `cp` of the same file (64 MiB) / the same 500 files (1 KiB) on that disk.
Prints a Markdown table (MB/s and ratio to cp)."""
import argparse
import http.client
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "integration"))
from fanoutd_process import Fanoutd  # noqa: E402

MIB = 1024 * 1024


def timed(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def curl(*args):
    subprocess.run(["curl", "-sS", "--fail", "-H", "x-amz-content-sha256: UNSIGNED-PAYLOAD", *args], check=True,
                   stdout=subprocess.DEVNULL)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--durability", default="fsync")
    parser.add_argument("--dir", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".cache"))
    args = parser.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    work = tempfile.mkdtemp(prefix="s3-bench-", dir=args.dir)
    try:
        big = os.path.join(work, "big.bin")
        with open(big, "wb") as f:
            f.write(os.urandom(64 * MIB))
        small = [os.urandom(1024) for _ in range(500)]
        rows = []
        with Fanoutd(durability=args.durability, data_dir=os.path.join(work, "data")) as server:
            url = server.endpoint
            conn = http.client.HTTPConnection("127.0.0.1", server.port)
            conn.request("PUT", "/bench", headers={"x-amz-content-sha256": "UNSIGNED-PAYLOAD"})
            assert conn.getresponse().read() is not None
            put, get, cp, cp_sync = [], [], [], []
            for r in range(args.rounds):
                put.append(timed(lambda: curl("-T", big, f"{url}/bench/big-{r}.bin")))
                get.append(timed(lambda: curl("-o", "/dev/null", f"{url}/bench/big-{r}.bin")))
                cp.append(timed(lambda: subprocess.run(["cp", big, os.path.join(work, f"cp-{r}.bin")], check=True)))
                # The durable ceiling: the same copy, then fsync of the copy (what an fsync PUT promises).
                dst = os.path.join(work, f"cps-{r}.bin")
                cp_sync.append(timed(lambda: (subprocess.run(["cp", big, dst], check=True),
                                              subprocess.run(["sync", dst], check=True))))
            mb = 64 * MIB / 1e6
            ceiling = mb / statistics.median(cp)
            durable = mb / statistics.median(cp_sync)
            rows.append(("64 MiB", "PUT", mb / statistics.median(put), ceiling, durable))
            rows.append(("64 MiB", "GET", mb / statistics.median(get), ceiling, None))

            small_put, small_get, small_cp = [], [], []
            src_dir = os.path.join(work, "small-src")
            os.makedirs(src_dir, exist_ok=True)
            for i, body in enumerate(small):
                with open(os.path.join(src_dir, f"{i}"), "wb") as f:
                    f.write(body)
            for r in range(args.rounds):
                def puts():
                    for i, body in enumerate(small):
                        conn.request("PUT", f"/bench/small-{r}/{i}", body=body,
                                     headers={"x-amz-content-sha256": "UNSIGNED-PAYLOAD"})
                        resp = conn.getresponse()
                        resp.read()
                        assert resp.status == 200, resp.status

                def gets():
                    for i in range(len(small)):
                        conn.request("GET", f"/bench/small-{r}/{i}")
                        resp = conn.getresponse()
                        assert len(resp.read()) == 1024

                small_put.append(timed(puts))
                small_get.append(timed(gets))
                dst = os.path.join(work, f"small-cp-{r}")
                small_cp.append(timed(lambda: subprocess.run(["cp", "-r", src_dir, dst], check=True)))
            mb = len(small) * 1024 / 1e6
            ceiling = mb / statistics.median(small_cp)
            rows.append(("1 KiB x 500", "PUT", mb / statistics.median(small_put), ceiling, None))
            rows.append(("1 KiB x 500", "GET", mb / statistics.median(small_get), ceiling, None))
        print(f"durability={args.durability} rounds={args.rounds} dir={os.path.realpath(args.dir)}")
        print("| object | op | fanoutd MB/s | cp MB/s (ceiling) | ratio | cp + fsync MB/s | ratio |")
        print("|---|---|---:|---:|---:|---:|---:|")
        for obj, op, value, ceil, durable in rows:
            extra = f"{durable:.1f} | {100 * value / durable:.0f}%" if durable else "- | -"
            print(f"| {obj} | {op} | {value:.1f} | {ceil:.1f} | {100 * value / ceil:.0f}% | {extra} |")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
