# lstm-runner: build, test, benchmark.
#
#   make run           release build, run the default experiment into results/runs.sqlite, print its report
#                      and write results/report.html
#   make report-png    render results/report.html to results/report.png with headless Chromium
#   make test          install what the tests need, build, run every test (debug build)
#   make bench         release build; print the benchmark figures and write results/bench.json (with
#                      PyTorch's minibatch figures too when .build/torch-venv or python3 has torch)
#   make bench-torch   install PyTorch (CPU) into .build/torch-venv if missing, then make bench
#   make optuna-figure install Optuna into .build/optuna-venv if missing, then compare its TPE with
#                      the runner's on the seed problem (scripts/optuna_figure.py, about 2 minutes)
#   make lint          swift format lint --strict over Package.swift, Sources and Tests
#   make format        swift format in place
#   make clean         remove the build folders and everything under results/ but .gitkeep
#   make deps          install the system packages the build and tests need (apt), if missing
#   make verify-build  check that the debug and the release build train bit-identical runs
#   make slurm-up      start a local single-node Slurm cluster (root; see scripts/slurm/ and docs/cluster.md);
#                      with it running, `make test` also runs the real-Slurm test (ClusterTests)
#   make slurm-down    stop it
#   make slurm-test    end-to-end check of the local cluster scripts (scripts/slurm/selftest.sh)
#
# Release builds add -Xcc -march=x86-64-v4 when this CPU has AVX-512 (F, BW, CD, DQ, VL) besides
# the x86-64-v3 set, else -Xcc -march=x86-64-v3 when it has AVX2, BMI2 and FMA. Either speeds the
# kernels up and, as `make verify-build` checks, gives the same bits: the code never fuses
# multiply-adds. Override with `make RELEASE_FLAGS=... run`.

SHELL := /bin/bash
SWIFT ?= swift
HAS_X86_64_V3 := $(shell grep -qw avx2 /proc/cpuinfo 2>/dev/null && grep -qw bmi2 /proc/cpuinfo && grep -qw fma /proc/cpuinfo && echo yes)
HAS_X86_64_V4 := $(if $(HAS_X86_64_V3),$(shell for f in avx512f avx512bw avx512cd avx512dq avx512vl; do grep -qw $$f /proc/cpuinfo || exit 0; done; echo yes))
MARCH_FLAGS := $(if $(HAS_X86_64_V4),-Xcc -march=x86-64-v4 -Xswiftc -DLSTM_MARCH_X86_64_V4,$(if $(HAS_X86_64_V3),-Xcc -march=x86-64-v3 -Xswiftc -DLSTM_MARCH_X86_64_V3))
RELEASE_FLAGS ?= -c release $(MARCH_FLAGS)
RUNNER_RELEASE = .build/release/runner
SPEC ?= experiments/seed-sweep.json
# The experiment SPEC names (its "name" field), for the report `make run` prints.
EXPERIMENT ?= $(shell sed -n 's/.*"name": *"\([^"]*\)".*/\1/p' $(SPEC) | head -n 1)
APT_PACKAGES := libsqlite3-dev zlib1g-dev sqlite3

.PHONY: run report-png test bench bench-torch optuna-figure lint format clean deps verify-build slurm-up slurm-down slurm-test release

deps:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing $$missing"; \
		export DEBIAN_FRONTEND=noninteractive; \
		apt-get install -y --no-install-recommends $$missing >/dev/null 2>&1 || \
			{ apt-get update >/dev/null && apt-get install -y --no-install-recommends $$missing; }; \
	fi
	@python3 -c 'import numpy' 2>/dev/null || python3 -m pip install --quiet numpy

release: deps
	$(SWIFT) build $(RELEASE_FLAGS) --product runner

run: release
	$(RUNNER_RELEASE) run $(SPEC)
	$(RUNNER_RELEASE) report $(EXPERIMENT)
	$(RUNNER_RELEASE) report $(EXPERIMENT) --html results/report.html
	@echo "HTML report: results/report.html (make report-png renders it to a PNG)"

# The page height is estimated from its table rows and figures, so that the PNG shows all of it.
report-png:
	@[ -f results/report.html ] || { echo "no results/report.html; make run writes it" >&2; exit 1; }
	@rows=$$(grep -o '<tr>' results/report.html | wc -l); figures=$$(grep -o '<figure>' results/report.html | wc -l); \
	scripts/render-html.sh results/report.html results/report.png 1200x$$((400 + 24 * rows + 580 * figures))

# examples/custom-plugin (a package of plugins outside the library) is built too: a test runs it.
test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) build --package-path examples/custom-plugin --scratch-path .build-custom-plugin
	$(SWIFT) test --skip-build

# The runner is built too: the sweep's whole-process figures run it.
bench: deps
	$(SWIFT) build $(RELEASE_FLAGS) --product lstm-bench
	$(SWIFT) build $(RELEASE_FLAGS) --product runner
	.build/release/lstm-bench --reference scripts/reference/lstm_numpy.py --output results/bench.json --flags "$(RELEASE_FLAGS)"

# PyTorch goes into a virtual environment under .build, once. TORCH_PIP_ARGS adds pip options, for
# example --index-url with an index of CPU-only wheels (smaller than the default, which pulls in
# the CUDA libraries).
TORCH_VENV := .build/torch-venv
TORCH_PIP_ARGS ?=
bench-torch:
	@$(TORCH_VENV)/bin/python -c 'import torch' 2>/dev/null || { \
		python3 -m venv $(TORCH_VENV) && $(TORCH_VENV)/bin/pip install --quiet torch numpy $(TORCH_PIP_ARGS); }
	$(MAKE) bench

OPTUNA_VENV := .build/optuna-venv
optuna-figure: release
	@$(OPTUNA_VENV)/bin/python -c 'import optuna' 2>/dev/null || { \
		python3 -m venv $(OPTUNA_VENV) && $(OPTUNA_VENV)/bin/pip install --quiet optuna; }
	$(OPTUNA_VENV)/bin/python scripts/optuna_figure.py $(RUNNER_RELEASE) .build/optuna-figure

lint:
	$(SWIFT) format lint --strict --recursive Package.swift Sources Tests

format:
	$(SWIFT) format format --in-place --recursive Package.swift Sources Tests

verify-build: deps
	$(SWIFT) build --product runner
	$(SWIFT) build $(RELEASE_FLAGS) --product runner
	scripts/verify-build.sh .build/debug/runner $(RUNNER_RELEASE)

slurm-up:
	scripts/slurm/up.sh

slurm-down:
	scripts/slurm/down.sh

slurm-test:
	scripts/slurm/selftest.sh

clean:
	rm -rf .build .build-* .build_*
	find results -mindepth 1 ! -name .gitkeep -exec rm -rf {} +
