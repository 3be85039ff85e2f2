# Runnel. `make demo` and `make test` do all the set-up on a fresh Debian 12 machine.
BUILD ?= build
JOBS  ?= $(shell nproc)
RUNNEL := $(BUILD)/runnel

.PHONY: all deps configure build serve test unit integration demo bench clean

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

bench: build
	$(RUNNEL) bench --help

clean:
	rm -rf $(BUILD)
