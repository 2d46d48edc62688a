# The README's two commands are `make run` and `make test`; everything else is for developers.
.PHONY: run test bench lint ci-test test-postgres scale-demo backup restore screens

PY := .venv/bin/python
export PYTHONDONTWRITEBYTECODE := 1

run:
	scripts/bootstrap.sh run
	scripts/run-demo.sh

test:
	scripts/bootstrap.sh test
	.venv/bin/ruff check masthead conftest.py
	.venv/bin/ruff format --check masthead conftest.py
	.venv/bin/mypy masthead
	@start=$$(date +%s); status=0; .venv/bin/pytest -q -p no:randomly --durations=15 || status=$$?; \
	  echo "make test: the suite took $$(( $$(date +%s) - start )) s on SQLite"; exit $$status
	scripts/test-postgres.sh

bench:
	scripts/bootstrap.sh bench
	$(PY) -m masthead.bench

# The scale-out deployment on one box (README "Many machines on one box"): Ctrl-C stops it.
scale-demo:
	scripts/bootstrap.sh test
	scripts/scale-demo.sh

# Backups (docs/deploy.md): `make backup [TO=dir]`, `make restore FROM=archive [REPLACE=1]`, with the
# service's environment (DATABASE_URL, MASTHEAD_VAR_DIR, SECRET_KEY_FILE, ...).
backup:
	scripts/backup.sh $(if $(TO),--to $(TO))

restore:
	@test -n "$(FROM)" || { echo "make restore FROM=path/to/masthead-....tar.gz [REPLACE=1]"; exit 2; }
	scripts/restore.sh $(FROM) $(if $(REPLACE),--replace)

# The whole suite on a throwaway PostgreSQL 15 cluster only (make test runs it after SQLite).
test-postgres:
	scripts/bootstrap.sh test
	scripts/test-postgres.sh

lint:
	.venv/bin/ruff check masthead conftest.py
	.venv/bin/ruff format --check masthead conftest.py
	.venv/bin/mypy masthead

# docs/screens.md: screenshots at 1280 and 390 px of every page readers, subscribers and editors meet,
# and Lighthouse scores (phone and desktop) on the pages issue #12 names. Takes several minutes.
screens:
	scripts/bootstrap.sh test
	$(PY) -m masthead.testing.screens
