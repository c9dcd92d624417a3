"""The admin: the catalog's (admin.catalog) and the log's (admin.log) pages, registered."""

from __future__ import annotations

from django.contrib import admin

from apierrors.admin.catalog import ErrorCodeAdmin
from apierrors.admin.log import ErrorLogAdmin
from apierrors.models import ErrorCode, ErrorLog

admin.site.register(ErrorCode, ErrorCodeAdmin)
admin.site.register(ErrorLog, ErrorLogAdmin)

# The admin index: a box to paste an error_id into, unless the site chose its own index page.
if admin.site.index_template is None:
    admin.site.index_template = "admin/apierrors/index.html"
