# An example Django settings file for `diagnoser analyze --config ... --diff`,
# in the runbook's shape: read (never run), and the target of --fix.
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "app",
    }
}
DATABASES["default"].update(
    {
        "CONN_MAX_AGE": 60,  # keep connections for 60 seconds
        "ATOMIC_REQUESTS": False,
    }
)
