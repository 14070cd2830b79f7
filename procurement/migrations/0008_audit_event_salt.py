from django.db import migrations, models

import procurement.models

# Linking may fill in the link (sequence, prev_hash, hash) and nothing else: the salt joins the columns that must
# stay as they were written.
TRIGGER = """
CREATE OR REPLACE FUNCTION procurement_auditevent_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE'
       AND OLD.sequence IS NULL AND OLD.hash IS NULL AND OLD.prev_hash = ''
       AND NEW.sequence IS NOT NULL AND NEW.hash IS NOT NULL
       AND (NEW.id, NEW.at, NEW.actor_id, NEW.actor_name, NEW.action, NEW.outcome, NEW.object_type, NEW.object_id,
            NEW.tender_id, NEW.before::text, NEW.after::text, NEW.detail::text, NEW.ip_address, NEW.salt)
           IS NOT DISTINCT FROM
           (OLD.id, OLD.at, OLD.actor_id, OLD.actor_name, OLD.action, OLD.outcome, OLD.object_type, OLD.object_id,
            OLD.tender_id, OLD.before::text, OLD.after::text, OLD.detail::text, OLD.ip_address, OLD.salt)
    THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'The audit log is append-only: % is refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""

WITHOUT_SALT = """
CREATE OR REPLACE FUNCTION procurement_auditevent_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE'
       AND OLD.sequence IS NULL AND OLD.hash IS NULL AND OLD.prev_hash = ''
       AND NEW.sequence IS NOT NULL AND NEW.hash IS NOT NULL
       AND (NEW.id, NEW.at, NEW.actor_id, NEW.actor_name, NEW.action, NEW.outcome, NEW.object_type, NEW.object_id,
            NEW.tender_id, NEW.before::text, NEW.after::text, NEW.detail::text, NEW.ip_address)
           IS NOT DISTINCT FROM
           (OLD.id, OLD.at, OLD.actor_id, OLD.actor_name, OLD.action, OLD.outcome, OLD.object_type, OLD.object_id,
            OLD.tender_id, OLD.before::text, OLD.after::text, OLD.detail::text, OLD.ip_address)
    THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'The audit log is append-only: % is refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""


def salt_kept(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(TRIGGER, params=None)


def salt_not_kept(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(WITHOUT_SALT, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("procurement", "0007_security_log"),
    ]

    operations = [
        # The events already written get no salt (an empty one is not hashed): their hashes stay valid. Adding the
        # column with a constant default updates no row, so the append-only trigger is not in the way.
        migrations.AddField(
            model_name="auditevent",
            name="salt",
            field=models.CharField(blank=True, default="", editable=False, max_length=32),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="salt",
            field=models.CharField(blank=True, default=procurement.models.audit_salt, editable=False, max_length=32),
        ),
        migrations.RunPython(salt_kept, salt_not_kept),
    ]
