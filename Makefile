# The two commands the README opens with: `make train` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
# Marker that the environment holds the current package with its dev extras.
INSTALLED := $(VENV)/.installed

.PHONY: train test test-all lint bench clean

train: $(INSTALLED)  ## train the default model (DCGAN on the built-in digits); ARGS="model=gan ..." adds overrides
	$(BIN)/python -m gan_lightning $(ARGS)

# One pytest-xdist worker a core, each on one torch thread (tests/conftest.py); PYTEST_ARGS="-n 0" runs in one process.
test: $(INSTALLED)  ## the test suite without the slow tests
	$(BIN)/python -m pytest -m "not slow" -n auto $(PYTEST_ARGS)

test-all: $(INSTALLED)  ## every test, slow ones included
	$(BIN)/python -m pytest -n auto $(PYTEST_ARGS)

lint: $(INSTALLED)  ## ruff (its settings in pyproject.toml); CI runs it before the tests
	$(BIN)/ruff check .

bench: $(INSTALLED)  ## framework overhead against a plain PyTorch loop
	$(BIN)/python bench/overhead.py

# uv installs the several GB of torch and its CUDA libraries in under a minute (pip takes about
# three); plain pip is the fallback. --compile-bytecode as pip does: where PYTHONDONTWRITEBYTECODE is
# set, nothing would ever compile it, and every process would take twice as long to import torch.
$(INSTALLED): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	( $(BIN)/python -m pip install --quiet uv && $(BIN)/uv pip install --compile-bytecode --python $(BIN)/python -e ".[dev]" ) \
		|| $(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

clean:
	rm -rf $(VENV) outputs multirun
