"""App configuration: every import with side effects happens in ready()."""

from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class APIErrorsConfig(AppConfig):
    name = "apierrors"
    verbose_name = _("API errors")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        import atexit
        import os

        from django.core.signals import request_finished
        from django.db.models.signals import post_delete, post_migrate, post_save

        # Registers the system checks.
        from apierrors import checks  # noqa: F401
        from apierrors.catalog.store import bump_version
        from apierrors.catalog.sync import sync_after_migrate
        from apierrors.http.log_context import clear as clear_log_context
        from apierrors.log.lifecycle import store_before_exit
        from apierrors.log.writer import after_fork_in_child
        from apierrors.models import ErrorCode

        post_save.connect(bump_version, sender=ErrorCode, dispatch_uid="apierrors.bump_on_save")
        post_delete.connect(bump_version, sender=ErrorCode, dispatch_uid="apierrors.bump_on_delete")
        post_migrate.connect(sync_after_migrate, sender=self, dispatch_uid="apierrors.catalog.sync")
        request_finished.connect(clear_log_context, dispatch_uid="apierrors.http.log_context")
        # At exit the log writer stores what it holds and ends (apierrors.log.lifecycle: most
        # processes have done so already, when their main thread ended). A forked worker
        # (gunicorn, uwsgi) starts its own writer, not sharing its parent's lock.
        atexit.register(store_before_exit)
        os.register_at_fork(after_in_child=after_fork_in_child)
