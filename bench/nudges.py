"""Nudge benchmark (see ../shared/BENCHMARKS.md): N partners due in the same minute.

Runs on PostgreSQL and Redis with production settings and the workers as `make run` starts
them (`celery worker`, two prefork processes), mail handed to a backend that builds each
message, sends nothing and counts them (bench/mail.py). At the minute boundary it enqueues
the dispatcher as beat would, then times until every nudge is handed to the email backend
(state "sent").
Then, on the same broker and workers, the reference: the rate of no-op Celery tasks
published and run one by one. Prints seconds, nudges/s, the reference rate, the ratio, and
duplicates (messages handed over beyond one per nudge).

    .venv/bin/python bench/nudges.py [N] [--workers 2] [--noop 20000]
"""

import argparse
import base64
import datetime as dt
import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENV = {
    "DATABASE_URL": os.environ.get(
        "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/intimacy_nudges_bench"
    ),
    "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/3"),
    "EMAIL_URL": "dummymail://",  # replaced by bench.mail.CountingBackend (bench/settings.py)
    "DEBUG": "false",
    "USE_HTTPS": "false",
    "READ_DOT_ENV": "false",
    "LOG_LEVEL": "WARNING",
    "CONN_MAX_AGE": "600",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "FIELD_ENCRYPTION_KEYS": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
    "DJANGO_SETTINGS_MODULE": "bench.settings",
}
os.environ.update(ENV)
sys.path.insert(0, str(ROOT))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("n", nargs="?", type=int, default=100_000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--noop", type=int, default=20_000)
    args = ap.parse_args()

    db = ENV["DATABASE_URL"].rsplit("/", 1)[1]
    subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", db], check=True)
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", db], check=True)
    py = str(ROOT / ".venv/bin/python")
    subprocess.run([py, "manage.py", "migrate", "-v0"], cwd=ROOT, check=True)
    subprocess.run([py, "manage.py", "loadprompts"], cwd=ROOT, check=True, capture_output=True)

    import django

    django.setup()
    import redis
    from django.db import connection
    from django.utils import timezone

    from intimacy.celery import app
    from intimacy.nudges.load import partners_due
    from intimacy.nudges.models import Nudge

    redis.Redis.from_url(ENV["REDIS_URL"]).flushdb()
    now = timezone.now()
    boundary = now.replace(second=0, microsecond=0) + dt.timedelta(minutes=1)
    if (boundary - now).total_seconds() < 25:
        boundary += dt.timedelta(minutes=1)
    started = time.monotonic()
    partners_due(count=args.n, due_at=boundary)
    print(
        f"{args.n} partners due at {boundary:%H:%M} UTC, made in {time.monotonic() - started:.1f} s"
    )
    connection.close()

    worker = subprocess.Popen(
        [
            py,
            "-m",
            "celery",
            "-A",
            "intimacy",
            "worker",
            f"--concurrency={args.workers}",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            "--loglevel=WARNING",
        ],
        cwd=ROOT,
    )
    try:
        time.sleep(max(0.0, (boundary - timezone.now()).total_seconds()))
        t0 = time.monotonic()
        app.send_task("intimacy.nudges.tasks.dispatch_nudges")  # what beat sends each minute
        while Nudge.objects.filter(state=Nudge.State.SENT).count() < args.n:
            time.sleep(0.25)
            if time.monotonic() - t0 > 900:
                sys.exit("gave up after 15 minutes")
        seconds = time.monotonic() - t0
        rate = args.n / seconds
        client = redis.Redis.from_url(ENV["REDIS_URL"])
        time.sleep(1)  # the last connections close
        messages = int(client.get("bench:messages") or 0)
        duplicates = messages - args.n
        print(f"nudges: {args.n} handed to the email backend in {seconds:.1f} s = {rate:.0f}/s")

        t1 = time.monotonic()
        for _ in range(args.noop):
            app.send_task("celery.accumulate", args=[1])
        while client.llen("celery") > 0:
            time.sleep(0.05)
        reference = args.noop / (time.monotonic() - t1)
        print(f"reference: {args.noop} no-op tasks published and run at {reference:.0f}/s")
        print(
            f"ratio: {rate / reference:.1f} (nudges/s over no-op tasks/s); duplicates: {duplicates}"
        )
    finally:
        worker.terminate()
        worker.wait(timeout=60)


if __name__ == "__main__":
    main()
