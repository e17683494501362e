# Nexus: the words in the README. `make run` serves the site with demo data on the
# embedded default (SQLite, local-memory cache); `make test` runs every test.

UV := $(shell uv --version >/dev/null 2>&1 && echo uv || echo python3 -m uv)
PORT ?= 8000

# `make bench` has a PostgreSQL database and Redis number of its own (the large cohort
# is built there once and reused); override them, or pass ARGS="--server granian".
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/nexus_bench
BENCH_REDIS_URL ?= redis://127.0.0.1:6379/12
ARGS ?=

.PHONY: install run test e2e bench lint format

install:
	@$(UV) --version >/dev/null 2>&1 || { echo "==> Installing uv with pip (user site)"; \
		python3 -m pip install --quiet --user uv 2>/dev/null \
		|| python3 -m pip install --quiet --user --break-system-packages uv; }
	@$(UV) sync --frozen --quiet

run: install
	$(UV) run python manage.py migrate --noinput
	$(UV) run python manage.py seed_demo
	$(UV) run python manage.py runserver $(PORT)

# The browser tests need a Chromium: .ci/tools finds the system's, or installs one
# (apt-get as root on Debian/Ubuntu, else Playwright's own), and says which.
test: install
	@bash .ci/tools browser java judges
	$(UV) run pytest

e2e: install
	@bash .ci/tools browser java judges
	$(UV) run pytest e2e

bench: install
	@bash .ci/tools wrk
	DATABASE_URL=$(BENCH_DATABASE_URL) REDIS_URL=$(BENCH_REDIS_URL) CACHE_KEY_PREFIX=nexus-bench \
		$(UV) run python manage.py bench $(ARGS)

lint: install
	$(UV) run ruff check .
	$(UV) run ruff format --check .
	$(UV) run mypy
	$(UV) run python .ci/check_tests.py

format: install
	$(UV) run ruff check --fix .
	$(UV) run ruff format .
