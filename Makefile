# Two entry points on a fresh machine (see README): `make plan` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STACK ?= prod-eu-west-1
# The lowest Pulumi SDK pyproject admits (`pulumi>=X`), tested in a venv of its own.
LOWEST_VENV := .venv-lowest
LOWEST_PULUMI := $(shell sed -n 's/^ *"pulumi>=\([0-9.]*\),.*/\1/p' pyproject.toml)

.PHONY: plan test test-lowest-sdk lint typecheck install system-packages tools clean

$(BIN)/odoo-platform: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[test,policy]'
	touch $@

install: $(BIN)/odoo-platform

## The main job, offline (no cloud account, no Pulumi CLI): validate a sample stack, then plan it
## under the mocks harness: what it declares, policy findings, dependency depth, estimated cost.
plan: install
	$(BIN)/odoo-platform validate --stack $(STACK)
	$(BIN)/odoo-platform plan --stack $(STACK)

system-packages:
	./scripts/install-system-packages.sh

## The security scanners the suite runs as programs (checkov, parliament): a venv of their own.
tools:
	./scripts/install-tools.sh

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy

## The whole suite: lint, types, and every test (real PostgreSQL/Redis/S3 servers and the
## scanners included). loadgroup keeps the scanner tests on one worker: they scan once.
test: system-packages tools lint typecheck test-lowest-sdk
	ODOO_PLATFORM_REQUIRE_SERVERS=1 $(BIN)/python -m pytest -q -p no:cacheprovider -n auto --dist loadgroup

## The same package on the lowest Pulumi SDK pyproject admits, every other pin as in
## constraints.txt (pip checks they agree): the harness's tests and one sample plan.
$(LOWEST_VENV)/bin/odoo-platform: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(LOWEST_VENV)
	$(LOWEST_VENV)/bin/pip install --quiet --upgrade pip
	grep -v '^pulumi==' constraints.txt > $(LOWEST_VENV)/constraints.txt
	$(LOWEST_VENV)/bin/pip install --quiet -c $(LOWEST_VENV)/constraints.txt \
		'pulumi==$(LOWEST_PULUMI)' -e '.[test]'
	touch $@

test-lowest-sdk: $(LOWEST_VENV)/bin/odoo-platform
	test "$$($(LOWEST_VENV)/bin/python -c 'import importlib.metadata as m; print(m.version("pulumi"))')" = "$(LOWEST_PULUMI)"
	$(LOWEST_VENV)/bin/python -m pytest -q -p no:cacheprovider -n auto tests/testing
	$(LOWEST_VENV)/bin/odoo-platform plan --stack $(STACK) > /dev/null

clean:
	rm -rf $(VENV) $(LOWEST_VENV) .tools build *.egg-info
