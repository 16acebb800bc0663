# accelscope: two set-up commands, both self-contained on a fresh machine with Python >= 3.10.
#   make demo   install into .venv and run the main job on built-in defaults
#   make test   install what the tests need into .venv and run the whole suite

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
# torch is pinned first so that the `torch` extra (torch>=2.4) never pulls a multi-GB CUDA build.
TORCH_PIN ?= torch==2.13.0
# Test processes (pytest-xdist): one per core this process may use (a cgroup v2 CPU quota
# counts), at most 4 (each may import torch); 0: no workers.
TEST_WORKERS ?= $(shell n=$$(nproc 2>/dev/null || echo 1); \
  [ -r /sys/fs/cgroup/cpu.max ] && read q p < /sys/fs/cgroup/cpu.max && [ "$$q" != max ] && \
  c=$$(( (q + p - 1) / p )) && [ "$$c" -lt "$$n" ] && n=$$c; \
  [ "$$n" -gt 4 ] && n=4; [ "$$n" -lt 1 ] && n=1; echo $$n)

.PHONY: demo test lint format clean bench

$(BIN)/python:
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 10), "accelscope needs Python >= 3.10"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.core-installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.test-installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet $(TORCH_PIN)
	$(BIN)/pip install --quiet -e '.[dev,torch,hf,dask,report]'
	touch $@ $(VENV)/.core-installed

# Reports need plotly (its bundled plotly.js is embedded), jinja2 and matplotlib: the `report` extra.
$(VENV)/.report-installed: $(VENV)/.core-installed
	$(BIN)/pip install --quiet -e '.[report]'
	touch $@

DEMO_OUT ?= demo-out
DEMO_BUDGET ?= area_mm2 <= 50

# The main job on built-in defaults: explore the default design space for a zoo CNN and a
# Transformer under an area budget, choose one accelerator for both, write HTML reports.
demo: $(VENV)/.report-installed
	$(BIN)/accelscope explore resnet50 --objective latency --objective area --constraint '$(DEMO_BUDGET)' --top 3 --out $(DEMO_OUT)/resnet50 --overwrite --report $(DEMO_OUT)/resnet50.html
	$(BIN)/accelscope explore bert-base --objective latency --objective area --constraint '$(DEMO_BUDGET)' --top 3 --out $(DEMO_OUT)/bert-base --overwrite --report $(DEMO_OUT)/bert-base.html
	$(BIN)/accelscope multi resnet50 bert-base --constraint '$(DEMO_BUDGET)' --out $(DEMO_OUT)/multi --overwrite --report $(DEMO_OUT)/multi.html
	@echo
	@echo "reports (self-contained HTML, open in any browser, work offline):"
	@for f in resnet50 bert-base multi; do echo "  $(abspath $(DEMO_OUT))/$$f.html"; done

test: $(VENV)/.test-installed
	@# Browser tests open the reports in Debian's Chromium (driven by Playwright, no browser download).
	command -v chromium >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium)
	@# RTL tests simulate the generated Verilog with Verilator (it compiles C++ with g++ and make).
	command -v verilator >/dev/null 2>&1 && command -v g++ >/dev/null 2>&1 && command -v make >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq verilator g++ make)
	@# Synthesis tests run Yosys with the OSU 0.18 um standard cells (Debian: yosys, qflow-tech-osu018).
	command -v yosys >/dev/null 2>&1 && test -f /usr/share/qflow/tech/osu018/osu018_stdcells.lib || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends yosys qflow-tech-osu018)
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS)

lint: $(VENV)/.test-installed
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

format: $(VENV)/.test-installed
	$(BIN)/ruff format src tests benchmarks

bench: $(VENV)/.test-installed
	$(BIN)/python benchmarks/bench_cost_model.py
	$(BIN)/python benchmarks/bench_explore.py
	$(BIN)/python benchmarks/bench_multi.py
	$(BIN)/python benchmarks/bench_report.py --points 1m

clean:
	rm -rf $(VENV) build dist src/*.egg-info .pytest_cache .ruff_cache
