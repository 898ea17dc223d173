"""diagnoser: reads Gunicorn logs and says why workers time out or die, with the fix."""

__version__ = "0.1.0"
