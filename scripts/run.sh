#!/usr/bin/env bash
# `make run`: the web server on http://127.0.0.1:8000 (another port: `PORT=8001 make run`) with a Celery worker
# and beat, on the embedded defaults.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin
PORT=${PORT:-8000}
case "$PORT" in '' | *[!0-9]*) echo "PORT must be a number, not '$PORT'." >&2; exit 2 ;; esac
export DJANGO_SETTINGS_MODULE=${DJANGO_SETTINGS_MODULE:-config.settings.local}

$PY/python manage.py migrate --noinput -v 0
# The audit chain's anchor file is created here for a new log only; the writers never create it.
$PY/python manage.py audit_anchor_init --install
$PY/python manage.py seed_demo
mkdir -p var/log
# The demo's PKI (var/demo-pki, created once): the worker signs the documents with its keys, and its time-stamping
# service, OCSP responder and CRLs answer on 127.0.0.1:8099.
$PY/python manage.py demo_pki
$PY/python manage.py demo_pki --serve >var/log/demo-pki.log 2>&1 &
PKI_PID=$!
$PY/celery -A config worker --beat --scheduler django_celery_beat.schedulers:DatabaseScheduler \
  --queues default,documents --concurrency 2 --max-tasks-per-child 50 --loglevel INFO --logfile var/log/celery.log &
CELERY_PID=$!
trap 'kill $CELERY_PID $PKI_PID 2>/dev/null; wait $CELERY_PID $PKI_PID 2>/dev/null' EXIT INT TERM
echo "Celery worker and beat are running (log: var/log/celery.log), and the demo PKI (log: var/log/demo-pki.log)."
echo
echo "Hankinta is running. Open the portal:  http://127.0.0.1:$PORT/"
echo "                     The API and its docs: http://127.0.0.1:$PORT/api/docs/"
$PY/python manage.py seed_demo --users
echo "Stop with Ctrl+C."
echo
$PY/python manage.py runserver "127.0.0.1:$PORT"
