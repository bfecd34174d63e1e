"""A real `celery worker` process on the real Redis, pointed at the test database."""

import os
import signal
import subprocess
import sys
import uuid

from django.conf import settings
from django.db import connection


def database_url() -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class Worker:
    """`celery worker` on a queue of its own; `env` adds settings (a mail server, a lease)."""

    def __init__(
        self, *, queue: str | None = None, env: dict[str, str] | None = None, concurrency: int = 1
    ) -> None:
        self.queue = queue or f"test-{uuid.uuid4().hex[:12]}"
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "intimacy.settings.base",
            "READ_DOT_ENV": "false",
            "DATABASE_URL": database_url(),
            "REDIS_URL": settings.REDIS_URL,
            "SECRET_KEY": settings.SECRET_KEY,
            "CONN_MAX_AGE": "0",
            **(env or {}),
        }
        self.concurrency = concurrency
        self.output = ""
        self.start()

    def start(self) -> None:
        pool = ["--pool=solo"] if self.concurrency == 1 else ["--pool=prefork"]
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "intimacy",
                "worker",
                "-Q",
                self.queue,
                *pool,
                f"--concurrency={self.concurrency}",
                "--without-heartbeat",
                "--without-gossip",
                "--without-mingle",
                "--loglevel=INFO",
            ],
            cwd=settings.BASE_DIR,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,  # its own process group, so a kill takes its children too
        )

    def kill(self) -> None:
        """SIGKILL the worker and its pool processes at once: no goodbye, no acknowledgements."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.output += self.process.communicate(timeout=30)[0]

    def stop(self) -> str:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.output += self.process.communicate(timeout=30)[0]
            except subprocess.TimeoutExpired:
                self.kill()
        return self.output[-3000:]
