"""The code calls the aggregate `tender` everywhere: the models of its files and alerts are renamed (their tables
follow; the data stays)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("tenders", "0007_call_documents_and_corrigendum_effect"),
    ]

    operations = [
        migrations.RenameModel(old_name="CallDocument", new_name="TenderDocument"),
        migrations.RenameModel(old_name="CallAlert", new_name="TenderAlert"),
        migrations.RenameIndex(
            model_name="tenderdocument",
            new_name="tenders_ten_tender__84e68f_idx",
            old_name="tenders_cal_tender__004af3_idx",
        ),
        migrations.AlterField(
            model_name="tenderdocument",
            name="tender",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="tender_documents", to="tenders.tender"
            ),
        ),
    ]
