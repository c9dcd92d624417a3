import django.core.validators
import django.db.models.functions.text
from django.db import migrations, models

import apierrors.core.placeholders


class Migration(migrations.Migration):
    initial = True

    dependencies = []

    operations = [
        migrations.CreateModel(
            name="ErrorCode",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "code",
                    models.SlugField(
                        help_text="Machine-readable code, matched case-insensitively (invalid_product_id).",
                        max_length=100,
                        unique=True,
                        verbose_name="code",
                    ),
                ),
                (
                    "status_code",
                    models.PositiveSmallIntegerField(
                        help_text="The HTTP status of the response, from 400 to 599.",
                        validators=[
                            django.core.validators.MinValueValidator(400),
                            django.core.validators.MaxValueValidator(599),
                        ],
                        verbose_name="HTTP status",
                    ),
                ),
                (
                    "category",
                    models.CharField(
                        choices=[
                            ("invalid_request", "Invalid request"),
                            ("authentication_error", "Authentication error"),
                            ("authorization_error", "Authorization error"),
                            ("resource_not_found", "Resource not found"),
                            ("conflict", "Conflict"),
                            ("rate_limit", "Rate limit"),
                            ("server_error", "Server error"),
                        ],
                        default="invalid_request",
                        max_length=40,
                        verbose_name="category",
                    ),
                ),
                (
                    "title",
                    models.CharField(
                        max_length=200,
                        validators=[apierrors.core.placeholders.validate_template],
                        verbose_name="title",
                    ),
                ),
                (
                    "message",
                    models.TextField(
                        help_text="What the client is told. {name} is replaced by the error's param of that name.",
                        validators=[apierrors.core.placeholders.validate_template],
                        verbose_name="message",
                    ),
                ),
                (
                    "action",
                    models.TextField(
                        blank=True,
                        help_text="What the client can do about it.",
                        validators=[apierrors.core.placeholders.validate_template],
                        verbose_name="action",
                    ),
                ),
                (
                    "is_public",
                    models.BooleanField(
                        default=True,
                        help_text="Whether text carried by the exception may reach the client. When off, the client only ever sees this entry's own title and message.",
                        verbose_name="public",
                    ),
                ),
                (
                    "is_retryable",
                    models.BooleanField(
                        default=False,
                        help_text="Whether the same request may succeed later.",
                        verbose_name="retryable",
                    ),
                ),
                (
                    "doc_url",
                    models.URLField(blank=True, max_length=500, verbose_name="documentation URL"),
                ),
                (
                    "is_active",
                    models.BooleanField(
                        default=True,
                        help_text="Inactive entries are answered with the generic text of their status.",
                        verbose_name="active",
                    ),
                ),
                (
                    "is_draft",
                    models.BooleanField(
                        default=False,
                        help_text="Created automatically for a code that was raised but not yet described.",
                        verbose_name="draft",
                    ),
                ),
                (
                    "shipped_values",
                    models.JSONField(
                        blank=True,
                        default=dict,
                        editable=False,
                        help_text="The values last loaded from the default catalog; fields still equal to them were not edited.",
                        verbose_name="shipped values",
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created at")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated at")),
            ],
            options={
                "verbose_name": "error code",
                "verbose_name_plural": "error codes",
                "ordering": ["code"],
                "constraints": [
                    models.UniqueConstraint(
                        django.db.models.functions.text.Lower("code"),
                        name="apierrors_errorcode_code_ci_unique",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("status_code__gte", 400), ("status_code__lte", 599)),
                        name="apierrors_errorcode_status_code_range",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="ErrorLog",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("error_id", models.CharField(max_length=32, unique=True, verbose_name="error_id")),
                ("code", models.CharField(db_index=True, max_length=100, verbose_name="code")),
                ("status_code", models.PositiveSmallIntegerField(verbose_name="HTTP status")),
                ("method", models.CharField(blank=True, max_length=16, verbose_name="method")),
                ("path", models.TextField(blank=True, verbose_name="path")),
                ("query_string", models.TextField(blank=True, verbose_name="query string")),
                (
                    "request_id",
                    models.CharField(
                        blank=True, db_index=True, max_length=128, verbose_name="request id"
                    ),
                ),
                ("user_pk", models.CharField(blank=True, max_length=64, verbose_name="user id")),
                (
                    "username",
                    models.CharField(
                        blank=True, db_index=True, max_length=150, verbose_name="user"
                    ),
                ),
                ("language", models.CharField(blank=True, max_length=16, verbose_name="language")),
                (
                    "exception_class",
                    models.CharField(blank=True, max_length=255, verbose_name="exception class"),
                ),
                (
                    "exception_message",
                    models.TextField(blank=True, verbose_name="exception message"),
                ),
                ("traceback", models.TextField(blank=True, verbose_name="traceback")),
                ("params", models.JSONField(blank=True, default=dict, verbose_name="params")),
                (
                    "field_errors",
                    models.JSONField(blank=True, default=list, verbose_name="field errors"),
                ),
                (
                    "request_headers",
                    models.JSONField(blank=True, default=dict, verbose_name="request headers"),
                ),
                (
                    "request_body",
                    models.JSONField(blank=True, null=True, verbose_name="request body"),
                ),
                (
                    "response_body",
                    models.JSONField(blank=True, null=True, verbose_name="response body"),
                ),
                ("created_at", models.DateTimeField(db_index=True, verbose_name="created at")),
            ],
            options={
                "verbose_name": "error log entry",
                "verbose_name_plural": "error log",
                "ordering": ["-created_at"],
                "indexes": [
                    models.Index(fields=["code", "-created_at"], name="apierrors_log_code_created"),
                    models.Index(
                        fields=["status_code", "-created_at"], name="apierrors_log_status_created"
                    ),
                ],
            },
        ),
    ]
