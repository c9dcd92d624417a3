"""The catalog of error codes and the log of errors served."""

from __future__ import annotations

from typing import Any

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from apierrors.core.placeholders import validate_template


class Category(models.TextChoices):
    INVALID_REQUEST = "invalid_request", _("Invalid request")
    AUTHENTICATION_ERROR = "authentication_error", _("Authentication error")
    AUTHORIZATION_ERROR = "authorization_error", _("Authorization error")
    RESOURCE_NOT_FOUND = "resource_not_found", _("Resource not found")
    CONFLICT = "conflict", _("Conflict")
    RATE_LIMIT = "rate_limit", _("Rate limit")
    SERVER_ERROR = "server_error", _("Server error")


# Texts shipped with the app that staff may edit; apierrors_sync only updates what they left alone.
TRANSLATED_FIELDS = ("title", "message", "action")
SHIPPED_FIELDS = ("status_code", "category", *TRANSLATED_FIELDS, "is_public", "is_retryable")


def normalize_code(code: str) -> str:
    """Catalog codes are slugs matched case-insensitively; they are stored in lower case."""
    return str(code).strip().lower()


class ErrorCode(models.Model):  # type: ignore[django-manager-missing]
    code = models.SlugField(
        _("code"),
        max_length=100,
        unique=True,
        help_text=_("Machine-readable code, matched case-insensitively (invalid_product_id)."),
    )
    status_code = models.PositiveSmallIntegerField(
        _("HTTP status"),
        validators=[MinValueValidator(400), MaxValueValidator(599)],
        help_text=_("The HTTP status of the response, from 400 to 599."),
    )
    category = models.CharField(
        _("category"), max_length=40, choices=Category.choices, default=Category.INVALID_REQUEST
    )
    title = models.CharField(_("title"), max_length=200, validators=[validate_template])
    message = models.TextField(
        _("message"),
        validators=[validate_template],
        help_text=_(
            "What the client is told. {name} is replaced by the error's param of that name."
        ),
    )
    action = models.TextField(
        _("action"),
        blank=True,
        validators=[validate_template],
        help_text=_("What the client can do about it."),
    )
    is_public = models.BooleanField(
        _("public"),
        default=True,
        help_text=_(
            "Whether text carried by the exception may reach the client. When off, the client "
            "only ever sees this entry's own title and message."
        ),
    )
    is_retryable = models.BooleanField(
        _("retryable"), default=False, help_text=_("Whether the same request may succeed later.")
    )
    doc_url = models.URLField(_("documentation URL"), max_length=500, blank=True)
    is_active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_("Inactive entries are answered with the generic text of their status."),
    )
    is_draft = models.BooleanField(
        _("draft"),
        default=False,
        help_text=_(
            "Created automatically for a code that was raised but not yet described. A draft "
            "is not on the public error reference until this is unchecked."
        ),
    )
    shipped_values = models.JSONField(
        _("shipped values"),
        default=dict,
        blank=True,
        editable=False,
        help_text=_(
            "The values last loaded from the default catalog; "
            "fields still equal to them were not edited."
        ),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("error code")
        verbose_name_plural = _("error codes")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(Lower("code"), name="apierrors_errorcode_code_ci_unique"),
            models.CheckConstraint(
                condition=models.Q(status_code__gte=400, status_code__lte=599),
                name="apierrors_errorcode_status_code_range",
            ),
        ]

    def __str__(self) -> str:
        return self.code

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.code = normalize_code(self.code)
        super().save(*args, **kwargs)


class ErrorLog(models.Model):
    error_id = models.CharField(_("error_id"), max_length=32, unique=True)
    # Found through the (code, created_at) index.
    code = models.CharField(_("code"), max_length=100)
    status_code = models.PositiveSmallIntegerField(_("HTTP status"))
    method = models.CharField(_("method"), max_length=16, blank=True)
    path = models.TextField(_("path"), blank=True)
    query_string = models.TextField(_("query string"), blank=True)
    request_id = models.CharField(_("request id"), max_length=128, blank=True, db_index=True)
    request_id_from_client = models.BooleanField(
        _("request id sent by the client"),
        default=False,
        help_text=_(
            "Whether the client sent the request id (any client may send any id) or the "
            "server made it for this request."
        ),
    )
    user_pk = models.CharField(_("user id"), max_length=64, blank=True)
    # Found through the (username, created_at) index.
    username = models.CharField(_("user"), max_length=150, blank=True)
    language = models.CharField(_("language"), max_length=16, blank=True)
    exception_class = models.CharField(_("exception class"), max_length=255, blank=True)
    exception_message = models.TextField(_("exception message"), blank=True)
    traceback = models.TextField(_("traceback"), blank=True)
    params = models.JSONField(_("params"), default=dict, blank=True)
    field_errors = models.JSONField(_("field errors"), default=list, blank=True)
    request_headers = models.JSONField(_("request headers"), default=dict, blank=True)
    request_body = models.JSONField(_("request body"), null=True, blank=True)
    response_body = models.JSONField(_("response body"), null=True, blank=True)
    sentry_event_id = models.CharField(
        _("Sentry event id"),
        max_length=32,
        blank=True,
        help_text=_("The event sent to Sentry for this error, when sentry-sdk is set up."),
    )
    response_text = models.TextField(
        _("response body as sent"),
        blank=True,
        help_text=_("The body exactly as the client received it, keys in their order."),
    )
    created_at = models.DateTimeField(_("created at"), db_index=True)
    cut = models.JSONField(
        _("cut to fit"),
        default=dict,
        blank=True,
        help_text=_(
            'Parts of the row cut to fit LOG["MAX_ROW_BYTES"], each with its size in bytes before.'
        ),
    )
    detail_from = models.CharField(
        _("detail from"),
        max_length=32,
        blank=True,
        help_text=_(
            "Set on a light row, kept during an error storm: the error_id of the earlier full "
            "row of the same error whose headers, bodies and traceback stand for this one's."
        ),
    )

    class Meta:
        verbose_name = _("error log entry")
        verbose_name_plural = _("error log")
        ordering = ["-created_at"]
        indexes = [
            # The trailing columns let the database count a filter's pairs (code and status,
            # user and code, user and status) from the index alone. Key columns, not INCLUDE:
            # SQLite has no covering indexes, and Django warns (models.W040) where one is asked.
            models.Index(
                fields=["code", "-created_at", "status_code"],
                name="apierrors_log_code_created",
            ),
            models.Index(
                fields=["status_code", "-created_at"], name="apierrors_log_status_created"
            ),
            models.Index(
                fields=["username", "-created_at", "code", "status_code"],
                name="apierrors_log_user_created",
            ),
        ]
        # On PostgreSQL, migration 0008 adds indexes for the admin's path searches: a trigram
        # index on path (pg_trgm) and a btree on UPPER(LEFT(path, 255)) for prefixes. They are
        # not declared here, so that other databases migrate without them.

    def __str__(self) -> str:
        return self.error_id


class ErrorCount(models.Model):
    """How many log rows each code had in each hour (UTC): the catalog's 24 h and 7 days
    columns read a few of these rows instead of counting the log.

    Written with the log rows, in the same transaction (apierrors.log.record.save_batch()).
    """

    code = models.CharField(_("code"), max_length=100)
    hour = models.DateTimeField(_("hour"), help_text=_("The hour's start, in UTC."))
    count = models.PositiveIntegerField(_("count"), default=0)

    class Meta:
        verbose_name = _("error count per hour")
        verbose_name_plural = _("error counts per hour")
        constraints = [
            models.UniqueConstraint(fields=["code", "hour"], name="apierrors_count_code_hour"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.hour:%Y-%m-%d %H}:00 {self.count}"
