# Fanout: the two commands a fresh Debian 12 machine needs are `make run` and `make test`.
# Both bootstrap (install packages) and build; `make build` only builds.

BUILD      ?= build
ASAN_BUILD ?= build-asan
TSAN_BUILD ?= build-tsan
# Configured only (never built): the compile database make test's clang-tidy step reads.
TIDY_BUILD ?= build-tidy
# The concurrency-heavy suites, also built and run under ThreadSanitizer: the store's group
# commit, the SQS engine (long polls, timers, visibility), Firehose's delivery workers and the
# services' shared SQLite transactions (client_event_test).
TSAN_TESTS ?= store_test sqs_engine_test firehose_engine_test client_event_test
CMAKE_FLAGS ?=
# The sanitizer trees that make test builds from scratch on a fresh machine are unity builds:
# eight sources per compiler run parse the Boost/std headers once instead of eight times (parsing
# is most of a light source's compile). A clean build is most of make test's time on 2 cores
# (bench/RESULTS.md, "make test's time"); the price is that an edit recompiles its whole batch.
UNITY_FLAGS ?= -DCMAKE_UNITY_BUILD=ON -DCMAKE_UNITY_BUILD_BATCH_SIZE=8
CTEST_FLAGS ?= --output-on-failure --timeout 600 --parallel $(shell nproc)
export CCACHE_DIR ?= $(CURDIR)/.cache/ccache
# Relative paths in the cache key, so clones and worktrees share cached objects.
export CCACHE_BASEDIR ?= $(CURDIR)
export CCACHE_NOHASHDIR ?= 1

.PHONY: all bootstrap bootstrap-clang build build-asan build-tsan test test-release test-asan test-tsan test-firefox test-tidy lint run bench bench-sqs bench-sns fuzz fuzz-merge format clean

all: build

bootstrap:
	@scripts/bootstrap

# bootstrap plus the clang toolchain (fuzz, lint, format).
bootstrap-clang:
	@scripts/bootstrap --clang

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS)

$(ASAN_BUILD)/build.ninja:
	cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DFANOUT_SANITIZE=ON -DFANOUT_BENCH=OFF $(UNITY_FLAGS) $(CMAKE_FLAGS)

build: $(BUILD)/build.ninja
	cmake --build $(BUILD)

build-asan: $(ASAN_BUILD)/build.ninja
	cmake --build $(ASAN_BUILD)

$(TSAN_BUILD)/build.ninja:
	cmake -S . -B $(TSAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DFANOUT_TSAN=ON -DFANOUT_BENCH=OFF $(UNITY_FLAGS) $(CMAKE_FLAGS)

build-tsan: $(TSAN_BUILD)/build.ninja
	cmake --build $(TSAN_BUILD) --target $(TSAN_TESTS)

# Built once, tested once: every suite runs against the ASan+UBSan build (a release build would
# double the compile time on 2 cores and catch less). `make test-release` runs them on `build/`.
# ctest runs one suite per core (CTEST_FLAGS): the suites wait on subprocesses and sockets much of
# the time, so two at once on 2 cores take about two thirds of the serial time.
# The TSan suites run first so that the last line is the summary of the whole ASan run.
# clang-tidy (test-tidy) runs before the suites, on its own: alongside them it would slow the
# timing-sensitive ones.
test:
	scripts/bootstrap --clang-tidy
	$(MAKE) build-asan
	$(MAKE) build-tsan
	$(MAKE) test-tidy
	$(MAKE) test-tsan
	$(MAKE) test-asan

# clang-tidy (.clang-tidy) over every project source (src, apps, tests, bench, fuzz) in a few
# translation units of ~30 sources each (scripts/clang_tidy_batches.py): most of a unit's
# clang-tidy time is spent in the Boost and std headers, paid once per unit. Needs only a
# configured tree (with the benchmarks, which the sanitizer trees leave out), not a build.
# About 500 CPU-s in 8 clang-tidy runs (~1.1 GB each), so about 4.5 min on 2 cores; one clang-tidy
# per translation unit would be ~15 CPU-s x 250 sources. TIDY_JOBS sets the parallelism (nproc).
test-tidy:
	cmake -S . -B $(TIDY_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DFANOUT_BENCH=ON $(UNITY_FLAGS) $(CMAKE_FLAGS) >/dev/null
	scripts/lint --clang-tidy-batched $(TIDY_BUILD)

test-asan:
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --test-dir $(ASAN_BUILD) $(CTEST_FLAGS)

empty :=
space := $(empty) $(empty)
test-tsan:
	TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1:suppressions=$(CURDIR)/tests/tsan/suppressions.txt \
	  ctest --test-dir $(TSAN_BUILD) $(CTEST_FLAGS) -R '^($(subst $(space),|,$(strip $(TSAN_TESTS))))$$'

# The web console in Debian's Firefox ESR (Selenium + geckodriver) against the ASan fanoutd. Opt-in,
# not part of make test: `scripts/bootstrap --firefox` builds geckodriver from crates.io (minutes on
# 2 cores). Screenshots and logs go to FIREFOX_ARTIFACTS. The browser runs at the lowest priority.
FIREFOX_ARTIFACTS ?= $(CURDIR)/$(ASAN_BUILD)/firefox-artifacts
test-firefox:
	scripts/bootstrap --firefox
	$(MAKE) build-asan
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  FANOUTD_BIN=$(CURDIR)/$(ASAN_BUILD)/apps/fanoutd/fanoutd FIREFOX_ARTIFACTS=$(FIREFOX_ARTIFACTS) \
	  nice -n 19 python3 -m pytest -v -s -p no:cacheprovider tests/console/firefox_smoke.py

# clang-tidy over every project translation unit, one parse per source (slow: ~15 CPU-s each;
# make test runs the same checks batched, test-tidy), plus cppcheck (also in make test).
lint: $(BUILD)/build.ninja
	scripts/bootstrap --clang
	scripts/lint --cppcheck
	scripts/lint --clang-tidy $(BUILD)

test-release:
	ctest --test-dir $(BUILD) $(CTEST_FLAGS)

run: bootstrap
	$(MAKE) build
	scripts/run

bench: bootstrap
	$(MAKE) build
	scripts/bench

# Issue 3's and 4's benchmarks (SQS send/batch/receive+delete, 1M backlog; SNS publish fan-out).
bench-sqs: bootstrap
	$(MAKE) build
	scripts/bench-sqs

bench-sns: bootstrap
	$(MAKE) build
	scripts/bench-sns

# libFuzzer runs (fuzz/README.md): a clang tree with the sanitizers on every library and libFuzzer
# on the targets; each target runs FUZZ_SECONDS on a scratch corpus. FUZZ_TARGETS picks some.
FUZZ_BUILD   ?= build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?=
FUZZ_CXXFLAGS = -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

$(FUZZ_BUILD)/build.ninja:
	cmake -S . -B $(FUZZ_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_COMPILER=clang++-14 \
	  -DFANOUT_BENCH=OFF -DFANOUT_LIBFUZZER=ON -DFANOUT_JEMALLOC=OFF "-DCMAKE_CXX_FLAGS=$(FUZZ_CXXFLAGS)" $(CMAKE_FLAGS)

fuzz: bootstrap-clang $(FUZZ_BUILD)/build.ninja
	cmake --build $(FUZZ_BUILD) --target fuzzers
	FUZZ_SECONDS=$(FUZZ_SECONDS) fuzz/run_fuzzers.sh $(FUZZ_BUILD) $(FUZZ_TARGETS)

# Keeps the scratch-corpus inputs that add coverage in fuzz/corpus (commit them).
fuzz-merge: bootstrap-clang $(FUZZ_BUILD)/build.ninja
	cmake --build $(FUZZ_BUILD) --target fuzzers
	FUZZ_MERGE=1 fuzz/run_fuzzers.sh $(FUZZ_BUILD) $(FUZZ_TARGETS)

format: bootstrap-clang
	find src apps tests bench fuzz -name '*.cc' -o -name '*.h' | xargs clang-format -i

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(TIDY_BUILD)
