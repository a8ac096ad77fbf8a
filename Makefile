# Two commands: `make run` (set up and start everything with demo data) and `make test`.
PYTHON_BOOT ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lint format bench venv migrate seed clean messages

venv: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON_BOOT) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(STAMP)

migrate: venv
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py seed_demo --if-empty

## Sets up on a fresh machine and starts the web app, a Celery worker and Celery beat.
run: seed
	$(PY) manage.py collectstatic --noinput --verbosity 0
	$(PY) manage.py runall

## The whole suite: lint, migrations in step with models, then pytest.
test: lint
	$(PY) -m pytest

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run
	DJANGO_SETTINGS_MODULE=cim_site.settings.production SECRET_KEY=check-deploy-only-$$(date +%s)-0123456789abcdefghijklmnopqrstuvwxyz ALLOWED_HOSTS=cim.example.com $(PY) manage.py check --deploy --fail-level WARNING

format: venv
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

## Figures, not tests: seeding speed, list latency and query counts.
bench: venv
	$(PY) -m bench

messages: venv
	cd cim_site && ../$(PY) ../manage.py compilemessages
	for app in customers tickets channels feedback knowledge_base; do (cd $$app && ../$(PY) ../manage.py compilemessages); done

clean:
	rm -rf var
