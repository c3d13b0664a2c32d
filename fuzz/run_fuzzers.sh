#!/usr/bin/env bash
# Runs each libFuzzer target for FUZZ_SECONDS, one at a time (nice'd: the machine is shared).
# New inputs go to a scratch corpus in the build dir; the checked-in corpus only grows through
# `make fuzz-merge`. A crash leaves its reproducer in <build>/fuzz-artifacts/<target>/ and makes
# the run fail; copy it to fuzz/regressions/<target>/ once fixed.
#   usage: fuzz/run_fuzzers.sh BUILD_DIR [TARGET...]   (default: every target)
#   env:   FUZZ_SECONDS (60), FUZZ_FLAGS (extra libFuzzer flags), FUZZ_MERGE=1 (merge the scratch corpus into fuzz/corpus instead)
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
build="${1:?usage: run_fuzzers.sh BUILD_DIR [TARGET...]}"
shift
seconds="${FUZZ_SECONDS:-60}"
# Entropic scheduling spends most of the time bookkeeping features on these targets (their loops
# light up many counters): 4-5x fewer runs per second with it, measured on sns_filter.
extra=(${FUZZ_FLAGS:--entropic=0})

# -max_len per parser: past these sizes the parsers only repeat states already covered.
declare -A max_len=(
  [http_request]=16384 [sigv4]=4096 [aws_chunked]=8192 [query]=4096 [json_codec]=4096
  [message_attributes]=4096 [sns_filter]=4096 [firehose_prefix]=1024 [s3_xml]=4096
  [cfn_template]=8192 [store_records]=2048
)
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(http_request sigv4 aws_chunked query json_codec message_attributes sns_filter
           firehose_prefix s3_xml cfn_template store_records)
fi

failed=()
for t in "${targets[@]}"; do
  bin="$build/fuzz/${t}_fuzzer"
  scratch="$build/fuzz-corpus/$t"
  artifacts="$build/fuzz-artifacts/$t/"
  log="$build/fuzz-logs/$t.log"
  mkdir -p "$scratch" "$artifacts" "$(dirname "$log")"
  if [ ! -x "$bin" ]; then
    echo "fuzz: $bin is not built" >&2
    failed+=("$t")
    continue
  fi
  if [ "${FUZZ_MERGE:-0}" = 1 ]; then
    # Adds to the repo corpus only inputs that reach new coverage.
    "$bin" -merge=1 -max_len="${max_len[$t]:-4096}" "$here/corpus/$t" "$scratch" >"$log" 2>&1 || failed+=("$t")
    echo "fuzz-merge: $t: $(ls "$here/corpus/$t" | wc -l) inputs in fuzz/corpus/$t"
    continue
  fi
  echo "fuzz: $t for ${seconds}s"
  nice -n 10 "$bin" -max_total_time="$seconds" -max_len="${max_len[$t]:-4096}" -timeout=10 \
    -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$artifacts" "${extra[@]}" \
    "$scratch" "$here/corpus/$t" "$here/regressions/$t" >"$log" 2>&1
  rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  echo "fuzz: $t: rc=$rc execs=${execs:-?} exec/s=${rate:-?} scratch corpus=$(ls "$scratch" | wc -l) (log: $log)"
  if [ $rc -ne 0 ]; then
    failed+=("$t")
    grep -m5 -E 'ERROR|SUMMARY|runtime error|Test unit written' "$log" >&2
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: FAILED: ${failed[*]}" >&2
  exit 1
fi
echo "fuzz: all targets ran clean"
