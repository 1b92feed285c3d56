# Two commands matter: `make demo` and `make test`. Both bootstrap .venv on their own.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: venv test lint demo dashboard bench clean emulator

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip uv
	$(VENV)/bin/uv pip install -q --python $(PY) -e ".[dev,postgres]" || $(PY) -m pip install -q -e ".[dev,postgres]"
	touch $(STAMP)

test: $(STAMP)
	$(VENV)/bin/ruff check airflow_provider_direct tests benchmarks dags scripts
	$(VENV)/bin/pytest -q -p no:cacheprovider

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy airflow_provider_direct

demo: $(STAMP)
	$(PY) scripts/demo.py

# The units and freshness dashboard over the last demo's data (DASHBOARD_PORT, default 8080).
dashboard: $(STAMP)
	$(PY) scripts/demo.py --serve

emulator: $(STAMP)
	$(PY) -m airflow_provider_direct.emulator --port 8081

bench: $(STAMP)
	$(PY) benchmarks/bench_hook_paging.py

clean:
	rm -rf $(VENV) airflow_home .pytest_cache .ruff_cache .mypy_cache .bench
