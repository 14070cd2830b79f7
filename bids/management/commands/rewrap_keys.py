"""`manage.py rewrap_keys`: wrap every call's data key with the newest key-encryption key, to retire an old one."""

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from bids.sealing import SealBroken, data_keys_rewrap


class Command(BaseCommand):
    help = (
        "Wrap every call's data key with the newest key-encryption key (the first of HANKINTA_KEKS). Rotate by putting "
        "a new key first, restarting the processes, running this, and only then removing the old key."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Count the keys to re-wrap; change nothing.")

    def handle(self, *args, dry_run: bool, **options):
        try:
            counts = data_keys_rewrap(dry_run=dry_run)
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc), returncode=2) from exc
        except SealBroken as exc:
            raise CommandError(
                f"A wrapped data key does not open ({exc}): it was changed. The keys before it are re-wrapped; "
                "nothing of this one was written."
            ) from exc
        total = sum(counts.values())
        by_key = ", ".join(f"{count} from {kek_id!r}" for kek_id, count in sorted(counts.items())) or "none"
        verb = "would be re-wrapped" if dry_run else "re-wrapped"
        self.stdout.write(f"Data keys {verb}: {total} ({by_key}).")
