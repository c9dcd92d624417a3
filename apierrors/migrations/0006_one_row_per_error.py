from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("apierrors", "0005_storm_counts"),
    ]

    operations = [
        migrations.RemoveField(
            model_name="errorlog",
            name="last_seen_at",
        ),
        migrations.RemoveField(
            model_name="errorlog",
            name="occurrences",
        ),
        migrations.AddField(
            model_name="errorlog",
            name="detail_from",
            field=models.CharField(
                blank=True,
                help_text="Set on a light row, kept during an error storm: the error_id of the earlier full row of the same error whose headers, bodies and traceback stand for this one's.",
                max_length=32,
                verbose_name="detail from",
            ),
        ),
        migrations.AlterField(
            model_name="errorcode",
            name="is_draft",
            field=models.BooleanField(
                default=False,
                help_text="Created automatically for a code that was raised but not yet described. A draft is not on the public error reference until this is unchecked.",
                verbose_name="draft",
            ),
        ),
    ]
