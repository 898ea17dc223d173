# An example configuration for `diagnoser analyze --config`: read, never run.
bind = "0.0.0.0:10000"
workers = 4
timeout = 30
worker_class = "sync"
