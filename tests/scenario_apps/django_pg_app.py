"""A one-file Django app on PostgreSQL whose report view waits on the database.

The view runs `SELECT pg_sleep(s)` through Django's PostgreSQL backend and
psycopg 3, so the worker sits in the driver waiting for the server, as a view
stuck on a slow query or a lock does. The server is the one named by PGHOST,
PGPORT, PGUSER and PGDATABASE. SQL debug logging is on, so `django.db.backends`
prints every query's duration.
"""

from __future__ import annotations

import os

import django
from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.urls import path

settings.configure(
    DEBUG=True,
    SECRET_KEY="scenario-only",
    ROOT_URLCONF=__name__,
    ALLOWED_HOSTS=["*"],
    DATABASES={
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            "HOST": os.environ.get("PGHOST", "127.0.0.1"),
            "PORT": os.environ.get("PGPORT", "5432"),
            "USER": os.environ.get("PGUSER", "postgres"),
            "NAME": os.environ.get("PGDATABASE", "postgres"),
        }
    },
    LOGGING={
        "version": 1,
        "disable_existing_loggers": False,
        "handlers": {"console": {"class": "logging.StreamHandler"}},
        "loggers": {"django.db.backends": {"handlers": ["console"], "level": "DEBUG"}},
    },
)


def report(request: HttpRequest) -> HttpResponse:
    seconds = float(request.GET.get("s", "6"))
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_sleep(%s)", [seconds])
        row = cursor.fetchone()
    return HttpResponse(str(row))


urlpatterns = [path("report/", report)]

django.setup()

from django.core.wsgi import get_wsgi_application  # noqa: E402

application = get_wsgi_application()
