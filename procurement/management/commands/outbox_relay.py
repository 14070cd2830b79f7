"""`manage.py outbox_relay`: the process that hands the outbox's messages to the broker (with OUTBOX_RELAY=true)."""

import argparse
import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand

from procurement.outbox import outbox_relay_run


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not 0.1 <= value <= 3600:
        raise argparse.ArgumentTypeError("give a number of seconds from 0.1 to 3600")
    return value


class Command(BaseCommand):
    help = (
        "Send the outbox's messages to the broker as their transactions commit, woken by PostgreSQL's LISTEN/NOTIFY. "
        "Run it where OUTBOX_RELAY=true is set for the web processes; one or two per deployment."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--idle",
            type=_seconds,
            default=5.0,
            help="Seconds to wait at most between two looks at the outbox when nothing wakes the relay (default 5).",
        )

    def handle(self, *args, idle: float, **options):
        stopping = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stopping.set())
        if not settings.OUTBOX_RELAY:
            self.stderr.write(
                "OUTBOX_RELAY is not set: the web processes send their messages themselves; the relay sends only "
                "what they could not."
            )
        self.stdout.write(f"Outbox relay running (wakes on commit, looks at least every {idle:g} s).")
        outbox_relay_run(idle=idle, stop=stopping.is_set)
        self.stdout.write("Outbox relay stopped.")
