"""The log's cut column names its budget as the grouped setting: LOG["MAX_ROW_BYTES"]."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("apierrors", "0008_log_lookups"),
    ]

    operations = [
        migrations.AlterField(
            model_name="errorlog",
            name="cut",
            field=models.JSONField(
                blank=True,
                default=dict,
                help_text='Parts of the row cut to fit LOG["MAX_ROW_BYTES"], each with its size in bytes before.',
                verbose_name="cut to fit",
            ),
        ),
    ]
