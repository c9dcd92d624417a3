"""ASGI entry point of the demo: Django's handler, with the lifespan that stores the error log
when the server shuts down (apierrors.asgi)."""

import os

from django.core.asgi import get_asgi_application

from apierrors.asgi import with_lifespan

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")
application = with_lifespan(get_asgi_application())
