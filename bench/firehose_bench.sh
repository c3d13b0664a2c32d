#!/usr/bin/env bash
# PutRecordBatch records/s into a GZIP Firehose stream (issue 5): starts fanoutd (fsync
# durability, fresh data dir) with its delivery bucket on an s3rver on loopback, runs
# firehose_bench at 1, 4 and 16 connections, then checks that what was accepted is delivered.
#   bench/firehose_bench.sh [BUILD_DIR]     (default: build)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$here/build}"
fanoutd="$build/apps/fanoutd/fanoutd"
bench="$build/bench/firehose/firehose_bench"
s3rver="$here/tests/integration/firehose_s3rver/node_modules/.bin/s3rver"
work="$(mktemp -d)"
port=$((20000 + RANDOM % 20000))
s3port=$((port + 1))
cleanup() {
  [ -n "${fpid:-}" ] && kill "$fpid" 2>/dev/null || true
  [ -n "${spid:-}" ] && kill "$spid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

"$s3rver" --directory "$work/s3rver" --port "$s3port" --address 127.0.0.1 --silent \
  --configure-bucket bench-landing >/dev/null 2>&1 &
spid=$!
export FANOUT_FIREHOSE_S3_ENDPOINTS="{\"bench-landing\": {\"endpoint\": \"http://127.0.0.1:$s3port\", \"access_key_id\": \"S3RVER\", \"secret_access_key\": \"S3RVER\"}}"
"$fanoutd" --listen "127.0.0.1:$port" --data-dir "$work/data" --durability fsync --log-level warn &
fpid=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/_fanout/health" >/dev/null && break; sleep 0.1; done

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(date -u +%FT%TZ)"
"$bench" --endpoint "127.0.0.1:$port" --credential test:test --connections "${BENCH_CONNECTIONS:-1,4,16}" \
  --duration "${BENCH_DURATION:-5}" --warmup 1
echo "fanoutd metrics after the run:"
sleep 2
curl -s "http://127.0.0.1:$port/_fanout/metrics" | grep -E '^fanout_firehose_(records_in|objects_out|delivery_failures)' || true
