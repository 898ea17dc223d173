"""A one-file Django app whose report view runs a slow SQL query.

SQLite stands in for the database: a SQL function `sleep(seconds)` that sleeps
in Python makes the query as slow as we want. SQL debug logging is on, as in
the runbook's incident, so `django.db.backends` prints every query's duration.
"""

from __future__ import annotations

import time
from typing import Any

import django
from django.conf import settings
from django.db import connection
from django.db.backends.signals import connection_created
from django.http import HttpRequest, HttpResponse
from django.urls import path

settings.configure(
    DEBUG=True,
    SECRET_KEY="scenario-only",
    ROOT_URLCONF=__name__,
    ALLOWED_HOSTS=["*"],
    DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
    LOGGING={
        "version": 1,
        "disable_existing_loggers": False,
        "handlers": {"console": {"class": "logging.StreamHandler"}},
        "loggers": {"django.db.backends": {"handlers": ["console"], "level": "DEBUG"}},
    },
)


def _sleep(seconds: float) -> float:
    time.sleep(seconds)
    return seconds


def _register(sender: Any, connection: Any, **kwargs: Any) -> None:
    connection.connection.create_function("sleep", 1, _sleep)


connection_created.connect(_register)


def report(request: HttpRequest) -> HttpResponse:
    seconds = float(request.GET.get("s", "5"))
    with connection.cursor() as cursor:
        cursor.execute("SELECT sleep(%s)", [seconds])
        row = cursor.fetchone()
    return HttpResponse(str(row))


urlpatterns = [path("report/", report)]

django.setup()

from django.core.wsgi import get_wsgi_application  # noqa: E402

application = get_wsgi_application()
