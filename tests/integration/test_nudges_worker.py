"""Nudges through a real worker, the real Redis and a real SMTP server on loopback."""

import email
import re
import socket
import threading
import time
from collections import Counter
from email.message import Message

import pytest
from aiosmtpd.controller import Controller
from django.utils import timezone

from intimacy.accounts.models import User
from intimacy.celery import app
from intimacy.nudges.load import partners_due
from intimacy.nudges.models import Nudge
from intimacy.nudges.schedule import nudges_sweep, rules_dispatch
from intimacy.nudges.tasks import send_nudges

from .conftest import Worker

pytestmark = [pytest.mark.needs_postgres, pytest.mark.needs_redis]


class Inbox:
    """What the loopback SMTP server received."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope) -> str:
        with self.lock:
            self.messages.append(email.message_from_bytes(envelope.original_content))
        return "250 OK"

    def nudge_ids(self) -> Counter:
        ids = Counter()
        with self.lock:
            for message in self.messages:
                text = next(p for p in message.walk() if p.get_content_type() == "text/plain")
                body = text.get_payload(decode=True).decode()
                ids[int(re.search(r"/n/(\d+):", body).group(1))] += 1
        return ids


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield inbox, controller.port
    finally:
        controller.stop()


@pytest.fixture
def real_queue():
    app.conf.task_always_eager = False
    try:
        yield
    finally:
        app.conf.task_always_eager = True


def wait_for(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def test_a_due_nudge_arrives_by_smtp_through_a_real_worker(transactional_db, smtp, real_queue):
    inbox, port = smtp
    partners_due(count=2, due_at=timezone.now())
    worker = Worker(env={"EMAIL_URL": f"smtp://127.0.0.1:{port}"})
    try:
        rules_dispatch(enqueue=lambda ids: send_nudges.apply_async(args=[ids], queue=worker.queue))
        assert wait_for(lambda: len(inbox.messages) == 2, 60), worker.stop()
    finally:
        worker.stop()
    [message, _] = inbox.messages
    assert message["Subject"] == "What's your weather today?"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.get_content_type() == "multipart/alternative"
    assert set(Nudge.objects.values_list("state", flat=True)) == {"sent"}
    assert set(User.objects.values_list("unread_nudges", flat=True)) == {1}


def test_killing_the_worker_mid_fan_out_loses_nothing(
    transactional_db, smtp, real_queue, settings, capsys
):
    """SIGKILL during a fan-out of 2,000 nudges; a new worker and the sweeper finish the job.
    Duplicates are limited to the nudges in flight at the kill."""
    inbox, port = smtp
    settings.NUDGE_LEASE_SECONDS = 3
    total = 2000
    partners_due(count=total, due_at=timezone.now())
    env = {"EMAIL_URL": f"smtp://127.0.0.1:{port}", "NUDGE_LEASE_SECONDS": "3"}
    worker = Worker(env=env, concurrency=2)
    enqueue = lambda ids: send_nudges.apply_async(args=[ids], queue=worker.queue)  # noqa: E731
    try:
        assert rules_dispatch(send_batch=50, enqueue=enqueue) == total
        assert wait_for(lambda: len(inbox.messages) >= 300, 120), worker.stop()
        worker.kill()
        in_flight = Nudge.objects.filter(state=Nudge.State.SENDING).count()
        received_at_kill = len(inbox.messages)
        worker.start()  # the same queue: what was never taken is still there

        # The sweeper (every minute in production) sends again what the dead worker held.
        def finished() -> bool:
            nudges_sweep(enqueue=enqueue)
            return not Nudge.objects.exclude(state=Nudge.State.SENT).exists()

        assert wait_for(finished, 180), worker.stop()
        assert wait_for(lambda: len(inbox.messages) >= total, 30)
    finally:
        worker.stop()
    ids = inbox.nudge_ids()
    duplicates = sum(ids.values()) - len(ids)
    with capsys.disabled():  # shown in every run, not only when the test fails
        print(
            f"\nfault test: {total} nudges, worker killed after {received_at_kill} emails with "
            f"{in_flight} in flight; {len(ids)} delivered, {duplicates} duplicates"
        )
    assert len(ids) == total
    assert set(ids) == set(Nudge.objects.values_list("pk", flat=True))
    assert duplicates <= in_flight
