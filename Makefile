# Fanout: the two commands a fresh Debian 12 machine needs are `make run` and `make test`.
# Both bootstrap (install packages) and build; `make build` only builds.

BUILD      ?= build
ASAN_BUILD ?= build-asan
CMAKE_FLAGS ?=
CTEST_FLAGS ?= --output-on-failure --timeout 600
export CCACHE_DIR ?= $(CURDIR)/.cache/ccache
# Relative paths in the cache key, so clones and worktrees share cached objects.
export CCACHE_BASEDIR ?= $(CURDIR)
export CCACHE_NOHASHDIR ?= 1

.PHONY: all bootstrap build build-asan test test-release test-asan run bench fuzz format clean

all: build

bootstrap:
	@scripts/bootstrap

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS)

$(ASAN_BUILD)/build.ninja:
	cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DFANOUT_SANITIZE=ON -DFANOUT_BENCH=OFF $(CMAKE_FLAGS)

build: $(BUILD)/build.ninja
	cmake --build $(BUILD)

build-asan: $(ASAN_BUILD)/build.ninja
	cmake --build $(ASAN_BUILD)

# Built once, tested once: every suite runs against the ASan+UBSan build (a release build would
# double the compile time on 2 cores and catch less). `make test-release` runs them on `build/`.
test: bootstrap
	$(MAKE) build-asan
	$(MAKE) test-asan

test-asan:
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --test-dir $(ASAN_BUILD) $(CTEST_FLAGS)

test-release:
	ctest --test-dir $(BUILD) $(CTEST_FLAGS)

run: bootstrap
	$(MAKE) build
	scripts/run

bench: bootstrap
	$(MAKE) build
	scripts/bench

format:
	find src apps tests bench fuzz -name '*.cc' -o -name '*.h' | xargs clang-format -i

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
