# Quick start: `make run` opens latentlab training live on the built-in data; `make test` runs the tests.
# Both create .venv and install latentlab into it on first use; later runs reuse it.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# torch is installed first and pinned, so pip never swaps in a multi-GB CUDA build behind our back.
# Elsewhere: make run TORCH_SPEC='torch>=2.10' TORCH_PIP_ARGS='--index-url https://download.pytorch.org/whl/cpu'
TORCH_SPEC ?= torch==2.13.0
TORCH_PIP_ARGS ?=
STAMP := $(VENV)/.latentlab-installed

.PHONY: run test install clean ship-models

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet $(TORCH_PIP_ARGS) '$(TORCH_SPEC)'
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/latentlab --train $(ARGS)

test: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest $(PYTEST_ARGS)

# Retrain the example models shipped in latentlab/assets/models/ (README "Example models"); MNIST_DIR holds the
# MNIST test split's IDX files.
MNIST_DIR ?= ../shared/data/mnist
ship-models: $(STAMP)
	$(BIN)/python tools/ship_models.py --mnist-dir $(MNIST_DIR)

clean:
	rm -rf $(VENV) build *.egg-info
