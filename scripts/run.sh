#!/usr/bin/env bash
# `make run`: the web server on http://127.0.0.1:8000 with a Celery worker and beat, on the embedded defaults.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin
export DJANGO_SETTINGS_MODULE=${DJANGO_SETTINGS_MODULE:-config.settings.local}

$PY/python manage.py migrate --noinput -v 0
# The audit chain's anchor file is created here for a new log only; the writers never create it.
$PY/python manage.py audit_anchor_init --install
$PY/python manage.py seed_demo
mkdir -p var/log
$PY/celery -A config worker --beat --scheduler django_celery_beat.schedulers:DatabaseScheduler \
  --queues default,documents --concurrency 2 --max-tasks-per-child 50 --loglevel INFO --logfile var/log/celery.log &
CELERY_PID=$!
trap 'kill $CELERY_PID 2>/dev/null; wait $CELERY_PID 2>/dev/null' EXIT INT TERM
echo "Celery worker and beat are running (log: var/log/celery.log)."
echo "Hankinta: http://127.0.0.1:8000/api/docs/  (users officer, officer2, evaluator, provider1, provider2, auditor; password demo)"
$PY/python manage.py runserver 127.0.0.1:8000
