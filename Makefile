# accelscope: two set-up commands, both self-contained on a fresh machine with Python >= 3.10.
#   make demo   install into .venv and run the main job on built-in defaults
#   make test   install what the tests need into .venv and run the whole suite

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
# torch is pinned first so that the `torch` extra (torch>=2.4) never pulls a multi-GB CUDA build.
TORCH_PIN ?= torch==2.13.0

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
	$(BIN)/pip install --quiet -e '.[dev,torch,hf,dask]'
	touch $@ $(VENV)/.core-installed

demo: $(VENV)/.core-installed
	$(BIN)/accelscope zoo list
	$(BIN)/accelscope evaluate resnet50 --arch default
	$(BIN)/accelscope evaluate bert-base --arch tpu-v1

test: $(VENV)/.test-installed
	$(BIN)/python -m pytest -q

lint: $(VENV)/.test-installed
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

format: $(VENV)/.test-installed
	$(BIN)/ruff format src tests benchmarks

bench: $(VENV)/.test-installed
	$(BIN)/python benchmarks/bench_cost_model.py
	$(BIN)/python benchmarks/bench_explore.py
	$(BIN)/python benchmarks/bench_multi.py

clean:
	rm -rf $(VENV) build dist src/*.egg-info .pytest_cache .ruff_cache
