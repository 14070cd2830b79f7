from django.db import migrations

# Each statement that writes outbox messages wakes the relay process (`manage.py outbox_relay`), which listens on
# this channel. PostgreSQL delivers the notification when the transaction commits, and never for a rollback.
NOTIFY = """
CREATE OR REPLACE FUNCTION procurement_outbox_notify() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify('hankinta_outbox', '');
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER procurement_outbox_notify AFTER INSERT ON procurement_outboxmessage
    FOR EACH STATEMENT EXECUTE FUNCTION procurement_outbox_notify();
"""

DROP = """
DROP TRIGGER IF EXISTS procurement_outbox_notify ON procurement_outboxmessage;
DROP FUNCTION IF EXISTS procurement_outbox_notify();
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(NOTIFY, params=None)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("procurement", "0004_audit_linked_after_commit"),
    ]

    operations = [migrations.RunPython(create, drop)]
