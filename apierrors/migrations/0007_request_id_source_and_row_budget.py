from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("apierrors", "0006_one_row_per_error"),
    ]

    operations = [
        migrations.AddField(
            model_name="errorlog",
            name="cut",
            field=models.JSONField(
                blank=True,
                default=dict,
                help_text="Parts of the row cut to fit LOG_MAX_ROW_BYTES, each with its size in bytes before.",
                verbose_name="cut to fit",
            ),
        ),
        migrations.AddField(
            model_name="errorlog",
            name="request_id_from_client",
            field=models.BooleanField(
                default=False,
                help_text="Whether the client sent the request id (any client may send any id) or the server made it for this request.",
                verbose_name="request id sent by the client",
            ),
        ),
    ]
