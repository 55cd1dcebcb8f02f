# kyso: `make run` serves kyso, `make test` runs the whole suite. Both bootstrap the machine.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.kyso-installed

.PHONY: run test install system lint typecheck audit lock pytest bench fuzz clean

run: install
	$(BIN)/kyso serve

test: install lint typecheck audit pytest

install: system $(STAMP)

system:
	@sh scripts/bootstrap-system.sh

$(STAMP): pyproject.toml requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "kyso needs Python >= 3.11" >&2; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c requirements.lock -e '.[dev]'
	@touch $(STAMP)

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck:
	$(BIN)/mypy

# known vulnerabilities in the locked dependencies fail the run (scripts/audit_deps.py)
audit:
	$(BIN)/python scripts/audit_deps.py

# after changing dependencies in pyproject.toml: pin what is installed
lock:
	$(BIN)/python -m pip install -q -e '.[dev]'
	@{ echo "# pinned by 'make lock' (pip list --format=freeze); make install uses it as constraints"; \
	  $(BIN)/python -m pip list --format=freeze --exclude-editable | grep -v -E '^(kyso|pip|setuptools|wheel)==' | LC_ALL=C sort -f; } > requirements.lock

pytest:
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: install
	@for b in bench/*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

# longer fuzzing than `make test` does: each atheris harness (fuzz/) for FUZZ_SECONDS on the
# corpus kept in var/fuzz, then schemathesis with FUZZ_EXAMPLES requests per API operation
FUZZ_SECONDS ?= 600
FUZZ_EXAMPLES ?= 500
fuzz: install
	@for h in fuzz/verify_pdf.py fuzz/ocr_intake.py fuzz/sign_pdf.py; do echo "== $$h"; \
		$(BIN)/python $$h --seconds $(FUZZ_SECONDS) || exit 1; done
	KYSO_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/python -m pytest -q --timeout=0 \
		tests/api/test_schemathesis.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
