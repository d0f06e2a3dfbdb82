# The two commands a newcomer needs: `make run` and `make test`. `make help` lists the rest.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
FLASK := SHOP_ENV=development $(BIN)/flask --app shop

.DEFAULT_GOAL := help
.PHONY: help install install-test run test test-sqlite test-postgres lint translations \
        extract-messages bench bench-export clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed ## Create the virtual environment and install the shop

install-test: $(VENV)/.installed-test ## Install what the tests need too

translations: $(VENV)/.installed ## Compile the message catalogs (.po -> .mo)
	$(BIN)/pybabel compile --statistics -d shop/translations

extract-messages: $(VENV)/.installed ## Extract strings and update the catalogs
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k _nl:1,2 -k lazy_ngettext:1,2 --sort-by-file -o shop/translations/messages.pot shop
	$(BIN)/pybabel update -i shop/translations/messages.pot -d shop/translations --no-fuzzy-matching --ignore-obsolete

run: install translations ## Migrate a SQLite database, load the demo data, serve on :5000
	$(FLASK) db upgrade
	$(FLASK) seed-demo
	SHOP_SCHEDULER_IN_PROCESS=1 SHOP_SWEEP_MINUTES=1 $(FLASK) run --host 127.0.0.1 --port 5000

test: install-test translations ## Run the whole suite (SQLite, then PostgreSQL if configured)
	SHOP_TEST_DATABASE_URL= $(BIN)/python -m pytest $(PYTEST_ARGS)
	@if [ -n "$$SHOP_TEST_DATABASE_URL" ]; then \
		echo "== again on PostgreSQL: $$SHOP_TEST_DATABASE_URL"; \
		$(BIN)/python -m pytest $(PYTEST_ARGS); \
	fi

lint: install-test ## Ruff: lint and formatting check
	$(BIN)/ruff check shop tests bench
	$(BIN)/ruff format --check shop tests bench

bench: install-test ## Benchmarks (figures, not pass/fail)
	$(BIN)/python -m bench.pages
	$(BIN)/python -m bench.saves
	$(BIN)/python -m bench.quota
	$(BIN)/python -m bench.expiry --sizes 10000

bench-export: install-test ## The CSV export on 1,000,000 order lines (PostgreSQL shop_bench, ~5 min)
	$(BIN)/python -m bench.export

clean: ## Remove the virtual environment and local data
	rm -rf $(VENV) instance .pytest_cache
