# Runnel. `make demo` and `make test` do all the set-up on a fresh Debian 12 machine.
BUILD ?= build
JOBS  ?= $(shell nproc)
RUNNEL := $(BUILD)/runnel

.PHONY: all deps configure build serve test unit integration demo bench bench-compare bench-restart bench-soak clean

all: build

deps:
	@bash scripts/install-deps.sh

$(BUILD)/build.ninja: CMakeLists.txt | deps
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release

configure: $(BUILD)/build.ninja

build: deps configure
	cmake --build $(BUILD) -j $(JOBS)

serve: build
	$(RUNNEL) serve --data-dir ./data

# Every test: GoogleTest unit tests and the integration tests (real binary, real clients).
test: build
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

unit: build
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS) -E '^integration$$'

integration: build
	ctest --test-dir $(BUILD) --output-on-failure -R '^integration$$'

demo: build
	$(RUNNEL) demo

# Micro-benchmarks (Google Benchmark, bench/*_bench.cc) of the hot paths.
bench: build
	cmake --build $(BUILD) -j $(JOBS) --target micro_bench
	$(BUILD)/micro_bench

# Side by side with kinesalite and kinesis-local (npm); writes docs/benchmarks.md (~15 min).
bench-compare: build
	RUNNEL=$(RUNNEL) bash bench/compare.sh

# Restart time of a data dir holding 10 GiB of records (GB=10), after SIGTERM and kill -9.
bench-restart: build
	RUNNEL=$(RUNNEL) bash bench/restart.sh

# RSS over a 10-minute put-records soak (SECONDS_TOTAL=600).
bench-soak: build
	RUNNEL=$(RUNNEL) bash bench/soak.sh

clean:
	rm -rf $(BUILD)
