"""The project's Celery app, for the worker subprocesses of the fault tests.

With FAULTS_VISIBILITY_TIMEOUT set, the Redis transport hands out again a message that a killed worker left
unacknowledged after that many seconds (the project's setting is an hour) and looks for such messages every
second: the real recovery of a worker killed outright, made fast enough for a test."""

import os

from config.celery_app import app

if os.environ.get("FAULTS_VISIBILITY_TIMEOUT"):
    app.conf.broker_transport_options = {
        **app.conf.broker_transport_options,
        "visibility_timeout": float(os.environ["FAULTS_VISIBILITY_TIMEOUT"]),
        "unacked_restore_interval": 1,
        "unacked_restore_throttle": 1,
    }

__all__ = ["app"]
