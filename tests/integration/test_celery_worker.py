"""A real Celery worker, on the real Redis broker, writing to the real PostgreSQL database."""

import datetime as dt
import os
import subprocess
import sys
import time
import uuid

import pytest
from django.conf import settings
from django.db import connection

from intimacy.accounts.models import Invite
from intimacy.accounts.services import couple_create
from intimacy.accounts.tasks import expire_invites
from intimacy.celery import app

pytestmark = [pytest.mark.needs_postgres, pytest.mark.needs_redis]


def database_url() -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def worker_queue(transactional_db: None) -> object:
    """Start `celery worker` on a queue of its own, pointed at the test database."""
    queue = f"test-{uuid.uuid4().hex[:12]}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "intimacy.settings.base",
        "READ_DOT_ENV": "false",
        "DATABASE_URL": database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "SECRET_KEY": settings.SECRET_KEY,
        "CONN_MAX_AGE": "0",
    }
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "intimacy",
            "worker",
            "-Q",
            queue,
            "--pool=solo",
            "--concurrency=1",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            "--loglevel=INFO",
        ],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        yield queue
    finally:
        worker.terminate()
        output, _ = worker.communicate(timeout=30)
        print(output[-3000:])


def test_worker_runs_a_task_that_writes_to_the_database(worker_queue, alice, settings):
    invite = couple_create(user=alice).invites.get()
    Invite.objects.filter(pk=invite.pk).update(expires_at=invite.created_at - dt.timedelta(days=1))

    app.conf.task_always_eager = False
    try:
        expire_invites.apply_async(queue=worker_queue)
    finally:
        app.conf.task_always_eager = True

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        invite.refresh_from_db()
        if invite.status == Invite.Status.EXPIRED:
            break
        time.sleep(0.2)
    assert invite.status == Invite.Status.EXPIRED
