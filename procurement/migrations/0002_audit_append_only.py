"""On PostgreSQL, the audit table refuses UPDATE and DELETE: the log is append-only in the database itself, not
only in the application. (TRUNCATE needs the table owner's rights, which the application's role should not have
in production; the test suite's flush uses it.)"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION procurement_auditevent_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'The audit log is append-only: % is refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER procurement_auditevent_no_change
    BEFORE UPDATE OR DELETE ON procurement_auditevent
    FOR EACH ROW EXECUTE FUNCTION procurement_auditevent_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS procurement_auditevent_no_change ON procurement_auditevent;
DROP FUNCTION IF EXISTS procurement_auditevent_append_only();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("procurement", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
