"""The plain names and purposes of attachments go: only their sealed form is kept."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("bids", "0003_seal_attachment_names"),
    ]

    operations = [
        # A default first, so that going back can put the column back on existing rows (the previous migration's
        # reversal then fills it from the sealed names).
        migrations.AlterField(
            model_name="bidattachment", name="filename", field=models.CharField(max_length=200, default="")
        ),
        migrations.RemoveField(model_name="bidattachment", name="filename"),
        migrations.RemoveField(model_name="bidattachment", name="purpose"),
        migrations.AlterField(
            model_name="bidattachment",
            name="sealed_meta",
            field=models.BinaryField(editable=False),
        ),
    ]
