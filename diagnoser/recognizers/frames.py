"""What a stuck frame was doing: the frames of an abort traceback, classified.

When Gunicorn aborts a request on timeout, the frames just above `handle_abort`
show where the time went. The innermost frame that belongs to a known library
family decides; plain application code means the app itself was slow.
"""

from __future__ import annotations

from diagnoser.events import Frame

# (family, path fragments). First family whose fragment appears in the innermost
# matching frame wins, so more specific families come first.
FAMILIES: tuple[tuple[str, tuple[str, ...]], ...] = (
    # the heartbeat itself (a slow disk under worker_tmp_dir stalls os.utime/fchmod)
    ("heartbeat", ("gunicorn/workers/workertmp.py",)),
    (
        "idle_client",
        ("gunicorn/http/unreader.py", "gunicorn/http/parser.py", "gunicorn/http/message.py"),
    ),
    (
        "database",
        (
            "psycopg2/",
            "psycopg/",
            "psycopg_binary/",
            "psycopg_pool/",
            "django/db/",
            "sqlalchemy/",
            "MySQLdb/",
            "pymysql/",
            "sqlite3/",
            "asyncpg/",
            "pymongo/",
            "redis/",
            "peewee",
            "tortoise/",
            "site-packages/databases/",
            "aiopg/",
            "aiomysql/",
            "motor/",
            "mysql/connector/",
            "oracledb/",
            "cx_Oracle",
            "pyodbc",
        ),
    ),
    # model and data loading: at boot, the reason a worker never finishes starting
    (
        "model_load",
        (
            "torch/",
            "transformers/",
            "huggingface_hub/",
            "tensorflow/",
            "keras/",
            "joblib/",
            "sentence_transformers/",
            "diffusers/",
            "safetensors/",
        ),
    ),
    (
        "network",
        (
            "requests/",
            "urllib3/",
            "httpx/",
            "httpcore/",
            "http/client.py",
            "urllib/request.py",
            "/socket.py",
            "/ssl.py",
            "aiohttp/",
            "botocore/",
            "grpc/",
            "smtplib.py",
        ),
    ),
    ("lock", ("/threading.py", "/queue.py", "concurrent/futures/", "multiprocessing/", "filelock")),
)

# An idle sync worker waits for connections here; a timeout while idle is a stalled heartbeat.
IDLE_FUNCTIONS = frozenset({"wait", "accept", "run_for_one", "run_for_multiple"})


# A worker that is still starting runs these: an abort through them landed during
# the boot, whatever the innermost frame (an import, a model download).
BOOT_FUNCTIONS = frozenset({"init_process", "load_wsgi", "import_app", "spawn_worker"})


def during_boot(frames: list[Frame]) -> bool:
    """Whether the stack passes through a Gunicorn worker's start-up."""
    return any(
        f.function in BOOT_FUNCTIONS and "gunicorn/" in f.file.replace("\\", "/") for f in frames
    )


def frame_family(frame: Frame) -> str | None:
    path = frame.file.replace("\\", "/")
    for family, fragments in FAMILIES:
        if any(fragment in path for fragment in fragments):
            return family
    return None


def classify(frames: list[Frame]) -> str:
    """The family of the innermost library frame under the app, or "app"."""
    inner = [f for f in frames if f.function != "handle_abort"]
    if (
        inner
        and "gunicorn/workers/sync.py" in inner[-1].file
        and inner[-1].function in IDLE_FUNCTIONS
    ):
        return "idle"
    for frame in reversed(frames):
        if frame.function == "handle_abort":
            continue
        family = frame_family(frame)
        if family is not None:
            return family
        if "gunicorn/" not in frame.file and "/lib/python" not in frame.file:
            # Application code before any library frame: the app itself was slow.
            return "app"
    return "app"
