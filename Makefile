# The CRM platform. Two commands set up everything on a fresh machine:
#   make run    - virtualenv, packages, Kafka jars, the broker and the four services
#   make test   - the same installs, then lint, type checks, boundaries and every test tier

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PACKAGES := contracts servicekit services/acquisition services/loyalty services/support services/analytics deploy/devstack tools/erpsim
ROLE ?= admin
SUBJECT ?= dev@example.com
SERVICE ?= analytics

.PHONY: install run demo erp k8s-render kafka-topics test lint schemas unit bench bench-scale bench-scale-quick bench-test chaos kafka kafka-stop postgres postgres-stop token rebuild-views stop clean

install: $(STAMP)

$(STAMP): requirements/constraints.txt requirements/dev.txt $(addsuffix /pyproject.toml,$(PACKAGES))
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c requirements/constraints.txt -r requirements/dev.txt \
		$(addprefix -e ,$(PACKAGES)) -e 'contracts[governance]'
	touch $@

run: $(STAMP)
	$(PY) -m devstack.platform run --var-dir var

demo: $(STAMP)
	$(PY) -m devstack.demo --var-dir var --customers 30 --orders 300

erp: $(STAMP)
	$(PY) -m erpsim run --seed 7 --orders 500 --rate 100

test: lint
	$(PY) -m pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .
	$(VENV)/bin/lint-imports
	$(PY) -m contracts.governance.schemas check

schemas: $(STAMP)
	$(PY) -m contracts.governance.schemas generate

unit: $(STAMP)
	$(PY) -m pytest -m "not kafka and not postgres and not e2e"

bench: $(STAMP)
	$(PY) -m bench

# The retail-scale part alone (see bench/scale.py): the real services on brokers of their
# own taking in 100,000 customers' 1,000,000 orders, on SQLite then PostgreSQL (hours;
# STORES=sqlite for one). The quick shape (2,000 customers, 20,000 orders) takes minutes
# once every service keeps up; bench-test runs it as a test (counts, not speed).
STORES ?= sqlite,postgres
bench-scale: $(STAMP)
	$(PY) -m bench --only scale --stores $(STORES)

bench-scale-quick: $(STAMP)
	$(PY) -m bench --only scale --stores $(STORES) --quick

bench-test: $(STAMP)
	CRM_BENCH_SHAPES=1 $(PY) -m pytest bench/tests

# Every chaos experiment at a realistic size (its own broker and the four services,
# 40 customers and 400 orders an experiment): about 6 minutes on 2 cores. Recovery
# times go to var/chaos/results.json; `make test` runs a bounded subset (~1.5 min).
chaos: $(STAMP)
	CHAOS_SIZE=full $(PY) -m pytest tests/chaos

kafka: $(STAMP)
	$(PY) -m devstack.kafka start --data-dir var/kafka

kafka-stop: $(STAMP)
	$(PY) -m devstack.kafka stop --data-dir var/kafka

postgres: $(STAMP)
	$(PY) -m devstack.postgres start --data-dir var/postgres

postgres-stop: $(STAMP)
	$(PY) -m devstack.postgres stop --data-dir var/postgres

token: $(STAMP)
	@$(VENV)/bin/crm-token --role $(ROLE) --subject $(SUBJECT)

rebuild-views: $(STAMP)
	$(PY) -m $(SERVICE) rebuild-views

OVERLAY ?= dev
k8s-render: $(STAMP)
	$(PY) -m devstack.kustomize build deploy/k8s/overlays/$(OVERLAY)

kafka-topics: $(STAMP)
	$(PY) deploy/tools/kafka_topics.py > deploy/k8s/base/kafka/topics.yaml

clean:
	rm -rf var $(VENV)
