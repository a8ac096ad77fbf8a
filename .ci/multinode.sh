#!/usr/bin/env bash
# The multi-node test on its own: two gunicorn nodes, two Celery workers and beat against one
# PostgreSQL and one Redis, attachments on moto_server. Needs DATABASE_URL (PostgreSQL) and
# REDIS_URL. (The PostgreSQL leg of `make test` runs it too: tests/multinode, marked postgres.)
set -euo pipefail
cd "$(dirname "$0")/.."
: "${DATABASE_URL:?set DATABASE_URL to a PostgreSQL server}"
: "${REDIS_URL:?set REDIS_URL}"
PY=${PY:-.venv/bin/python}
exec timeout 300 "$PY" -m pytest tests/multinode -q -s -p no:logging
