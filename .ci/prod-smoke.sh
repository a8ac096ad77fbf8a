#!/usr/bin/env bash
# Production smoke test: requirements.txt ALONE (no dev packages) in a fresh venv must be enough
# to migrate PostgreSQL, serve under gunicorn and run a Celery worker on Redis. One HTTP request
# enqueues a task; the worker must execute it, with the request's id in its log line.
# Needs DATABASE_URL (PostgreSQL) and REDIS_URL; uses a database and a Redis db of its own.
# Bounded (about 2 minutes, most of it pip); every process is killed on exit, pass or fail.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
: "${DATABASE_URL:?set DATABASE_URL to a PostgreSQL server}"
: "${REDIS_URL:?set REDIS_URL}"
PYTHON=${PYTHON_BOOT:-python3}
WORK=$(mktemp -d /tmp/cim-prod-smoke.XXXXXX)
VENV="$WORK/venv"
PIDS=()
DBNAME="cim_prod_smoke_$$"

cleanup() {
  rc=$?
  for pid in "${PIDS[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true; done
  for _ in $(seq 1 20); do
    alive=0
    for pid in "${PIDS[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ $alive -eq 0 ] && break
    sleep 0.5
  done
  for pid in "${PIDS[@]}"; do kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true; done
  if [ -x "$VENV/bin/python" ]; then
    "$VENV/bin/python" - <<PY || true
import psycopg, redis
from urllib.parse import urlsplit, urlunsplit
p = urlsplit("$DATABASE_URL")
with psycopg.connect(urlunsplit(p._replace(path="/postgres")), autocommit=True, connect_timeout=5) as c:
    c.execute('DROP DATABASE IF EXISTS "$DBNAME" WITH (FORCE)')
redis.Redis.from_url("$SMOKE_REDIS").flushdb()
PY
  fi
  if [ $rc -ne 0 ]; then
    for f in "$WORK"/*.log; do [ -f "$f" ] && { echo "--- $f"; tail -n 30 "$f"; }; done
  fi
  rm -rf "$WORK"
  exit $rc
}
SMOKE_REDIS="${REDIS_URL%/*}/11"
trap cleanup EXIT

echo "=== prod-smoke: fresh venv from requirements.txt alone"
"$PYTHON" -m venv "$VENV"
timeout 600 "$VENV/bin/pip" install -q --disable-pip-version-check -r requirements.txt

export DJANGO_SETTINGS_MODULE=cim_site.settings.production
export SECRET_KEY="smoke-$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export ALLOWED_HOSTS=127.0.0.1,localhost SECURE_SSL_REDIRECT=false
export DATABASE_URL="${DATABASE_URL%/*}/$DBNAME" REDIS_URL="$SMOKE_REDIS"
export CIM_VAR_DIR="$WORK/var" CIM_METRICS_TOKEN="smoke-metrics-token" LOG_FORMAT=json
export EMAIL_BACKEND=django.core.mail.backends.locmem.EmailBackend PYTHONUNBUFFERED=1
PY="$VENV/bin/python"

"$PY" - <<PY
import psycopg, redis
from urllib.parse import urlsplit, urlunsplit
p = urlsplit("$DATABASE_URL")
with psycopg.connect(urlunsplit(p._replace(path="/postgres")), autocommit=True, connect_timeout=5) as c:
    c.execute('DROP DATABASE IF EXISTS "$DBNAME"')
    c.execute('CREATE DATABASE "$DBNAME"')
redis.Redis.from_url("$REDIS_URL").flushdb()
PY
timeout 180 "$PY" manage.py migrate --noinput -v 0
timeout 120 "$PY" manage.py collectstatic --noinput -v 0
timeout 60 "$PY" manage.py check --deploy --fail-level ERROR >/dev/null 2>&1
TOKEN=$(timeout 60 "$PY" manage.py shell -c "
from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token
from tickets.models import Queue
Queue.objects.create(code='support', name='Support')
u = get_user_model().objects.create_superuser('smoke', 'smoke@example.com', 'Smoke-pw-123456')
print(Token.objects.create(user=u).key)" | tail -n 1)

PORT=$("$PY" -c "import socket; s=socket.socket(); s.bind(('127.0.0.1',0)); print(s.getsockname()[1])")
setsid "$VENV/bin/gunicorn" cim_site.wsgi:application -b "127.0.0.1:$PORT" -w 2 --threads 2 -t 30 \
  --control-socket "$WORK/gunicorn.ctl" >"$WORK/web.log" 2>&1 &
PIDS+=($!)
setsid "$PY" -m celery -A cim_site worker -l INFO --pool threads -c 2 --without-gossip \
  --without-mingle >"$WORK/worker.log" 2>&1 &
PIDS+=($!)

echo "=== prod-smoke: gunicorn on :$PORT, one worker; enqueue through HTTP"
timeout 90 "$PY" - "$PORT" "$TOKEN" "$WORK/worker.log" <<'PY'
import json, sys, time, uuid
import httpx

port, token, worker_log = sys.argv[1], sys.argv[2], sys.argv[3]
base = f"http://127.0.0.1:{port}"
deadline = time.monotonic() + 60
while True:
    try:
        if httpx.get(base + "/readyz", timeout=3).status_code == 200:
            break
    except httpx.HTTPError:
        pass
    assert time.monotonic() < deadline, "gunicorn never became ready"
    time.sleep(0.5)
print("readyz:", httpx.get(base + "/readyz", timeout=5).json()["status"])
static = httpx.get(base + "/admin/login/", timeout=10)
assert static.status_code == 200, static.status_code
rid = "smoke-" + uuid.uuid4().hex[:12]
created = httpx.post(
    base + "/api/v1/tickets/",
    json={"subject": "smoke", "body": "smoke", "email": "smoke@example.com", "queue": "support"},
    headers={"Authorization": f"Token {token}", "X-Request-ID": rid, "X-Forwarded-Proto": "https"},
    timeout=20,
)
assert created.status_code == 201, created.text[:500]
print("ticket", created.json()["id"], "request id", rid)
while True:
    done = [
        json.loads(line)
        for line in open(worker_log, errors="replace")
        if line.startswith("{") and "tickets.route_ticket[" in line and "succeeded" in line
    ]
    if any(r.get("request_id") == rid for r in done):
        print("worker executed tickets.route_ticket with request id", rid)
        break
    assert time.monotonic() < deadline, "the worker did not execute the task in time"
    time.sleep(0.5)
metrics = httpx.get(
    base + "/metrics", headers={"Authorization": "Bearer smoke-metrics-token"}, timeout=10
)
assert metrics.status_code == 200 and 'cim_celery_queue_depth{queue="intake"}' in metrics.text
assert httpx.get(base + "/metrics", timeout=10).status_code == 401
print("metrics: ok")
PY
echo "=== prod-smoke: OK"
