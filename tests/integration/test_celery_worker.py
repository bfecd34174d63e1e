"""A real Celery worker, on the real Redis broker, writing to the real PostgreSQL database."""

import datetime as dt
import time

import pytest

from intimacy.accounts.models import Invite
from intimacy.accounts.services import couple_create
from intimacy.accounts.tasks import expire_invites
from intimacy.celery import app

from .conftest import Worker

pytestmark = [pytest.mark.needs_postgres, pytest.mark.needs_redis]


@pytest.fixture
def worker_queue(transactional_db: None) -> object:
    worker = Worker()
    try:
        yield worker.queue
    finally:
        print(worker.stop())


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
