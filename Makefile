# The two commands a newcomer needs:
#   make demo   set everything up, load demo data and run the portal, worker and JupyterHub
#   make test   set everything up and run the whole test suite
SHELL := /bin/bash
UV := $(shell ./scripts/ensure-uv.sh)
PY := .venv/bin/python
PYTEST_ARGS ?=

.PHONY: demo test install frontend messages lint check clean serve prod-smoke reference-grades

install: .venv/.installed node_modules/.installed lms/static/dist/app.js messages

.venv/.installed: pyproject.toml uv.lock
	$(UV) sync --frozen
	@touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

lms/static/dist/app.js: node_modules/.installed $(wildcard frontend/*)
	npm run build

frontend: node_modules/.installed
	npm run build

# Each app's translations, compiled when its .po file changed (what `manage.py compilemessages` does, file
# by file: a run that changed nothing rewrites nothing another process may be reading).
MO_FILES := $(patsubst %.po,%.mo,$(wildcard */locale/*/LC_MESSAGES/*.po))

messages: $(MO_FILES)

%.mo: %.po
	@msgfmt --check-format -o $@ $<

demo: install
	$(PY) manage.py migrate --no-input
	$(PY) manage.py seed_demo
	$(PY) manage.py run_demo

test: install
	$(PY) -m pytest $(PYTEST_ARGS)

# nbgrader's own scores for every notebook pair of the differential tests, graded again with the nbgrader
# command line and stored in tests/grading/nbgrader_reference.json (after an upgrade of nbgrader, Jupyter,
# numpy, pandas or matplotlib, or a change to the nbgrader-cli engine; docs/testing.md). The fork engine's
# side of each comparison is the cheap one to run alongside.
reference-grades: install
	REFERENCE_GRADES=record $(PY) -m pytest -q tests/grading/test_differential_nbgrader.py -k "fork or stored"

# The production stack on loopback (gunicorn, nginx with TLS, PostgreSQL, Redis, workers, beat, JupyterHub)
# through one learner's whole loop over HTTPS; needs nginx, redis-server, openssl and PostgreSQL on
# 127.0.0.1:5432 (docs/deployment.md).
prod-smoke: install
	$(PY) scripts/prod_smoke/run.py

lint: .venv/.installed
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/lint-imports

check: .venv/.installed
	$(PY) manage.py makemigrations --check --dry-run
	DJANGO_SETTINGS_MODULE=lms.settings.production SECRET_KEY=$$($(PY) -c 'import secrets;print(secrets.token_urlsafe(64))') \
	  OIDC_RSA_PRIVATE_KEY="$$(openssl genrsa 2048 2>/dev/null)" \
	  DATABASE_URL=sqlite:///var/check.sqlite3 ALLOWED_HOSTS=lyceum.example \
	  EMAIL_URL=smtp+tls://check@mail.lyceum.example:587 REDIS_URL=redis://127.0.0.1:6379/0 \
	  $(PY) manage.py check --deploy --fail-level WARNING

clean:
	rm -rf .venv node_modules lms/static/dist var
