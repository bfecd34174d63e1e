"""Sign-up timing: does the answer take longer for a new address than for a taken one?

With production settings (Argon2), a PostgreSQL database of its own (BENCH_DATABASE_URL,
default postgres://postgres@127.0.0.1:5432/intimacy_signup_bench, dropped and made afresh)
and Redis database 3 for the cache, it posts the sign-up form in-process (Django's test
client, no web server) N times with a new address and N times with a taken one, in turns,
each from its own client address (the sign-up limit counts per address), and prints the
median, 90th percentile and mean of each. Mail is built but not sent (Django's dummy
backend): with SMTP both paths send one email in the request, which adds the same wait
and its noise to both.

    .venv/bin/python bench/signup_timing.py [N]
"""

import base64
import os
import secrets
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENV = {
    "DATABASE_URL": os.environ.get(
        "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/intimacy_signup_bench"
    ),
    "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/3"),
    "EMAIL_URL": "dummymail://",
    "DEBUG": "false",
    "USE_HTTPS": "false",
    "READ_DOT_ENV": "false",
    "LOG_LEVEL": "WARNING",
    "CONN_MAX_AGE": "600",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "FIELD_ENCRYPTION_KEYS": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
    "DJANGO_SETTINGS_MODULE": "intimacy.settings.base",
}
os.environ.update(ENV)
sys.path.insert(0, str(ROOT))


def summary(name: str, seconds: list[float]) -> str:
    ms = sorted(s * 1000 for s in seconds)
    p90 = ms[int(len(ms) * 0.9) - 1]
    median, mean = statistics.median(ms), statistics.fmean(ms)
    return f"{name:6} median {median:7.2f} ms  p90 {p90:7.2f} ms  mean {mean:7.2f} ms"


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    db = ENV["DATABASE_URL"].rsplit("/", 1)[1]
    subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", db], check=True)
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", db], check=True)
    py = str(ROOT / ".venv/bin/python")
    subprocess.run([py, "manage.py", "migrate", "-v0"], cwd=ROOT, check=True)

    import django

    warnings.filterwarnings("ignore", message="No directory at")  # no collectstatic here
    django.setup()
    import redis
    from allauth.account.models import EmailAddress
    from django.conf import settings
    from django.contrib.auth.hashers import make_password
    from django.db import connection
    from django.test import Client
    from django.test.utils import override_settings, setup_test_environment
    from django.urls import reverse

    from intimacy.accounts.models import User

    setup_test_environment()  # the test client needs it; it also keeps mail in memory
    # Pages name their CSS and scripts; no collectstatic here, so plain static file names.
    plain = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    override_settings(STORAGES=plain).enable()
    redis.Redis.from_url(ENV["REDIS_URL"]).flushdb()
    hashed = make_password("a calm harbour at dusk")  # one hash for every taken account
    warm_up = 5  # rounds not counted
    users = User.objects.bulk_create(
        User(email=f"taken{i}@example.org", display_name="Taken", password=hashed)
        for i in range(warm_up + n)
    )
    EmailAddress.objects.bulk_create(
        EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in users
    )
    form = {
        "display_name": "Dana",
        "password1": "a calm harbour at dusk",
        "password2": "a calm harbour at dusk",
        "time_zone": "Europe/Paris",
    }
    url = reverse("account_signup")
    timings: dict[str, list[float]] = {"new": [], "taken": []}
    for i in range(warm_up + n):
        for side, kind in enumerate(("new", "taken")):
            email = f"{kind}{i}@example.org"  # each address once (as a prober would)
            client = Client(REMOTE_ADDR=f"10.{side}.{i // 250}.{i % 250}")
            client.get(url)
            started = time.perf_counter()
            response = client.post(url, {**form, "email": email})
            elapsed = time.perf_counter() - started
            assert response.status_code == 302, (kind, response.status_code)
            if i >= warm_up:
                timings[kind].append(elapsed)
    hasher = settings.PASSWORD_HASHERS[0].rsplit(".", 1)[1]
    print(f"sign-up, {n} of each, {hasher}, {connection.vendor}:")
    for kind, seconds in timings.items():
        print(summary(kind, seconds))
    gap = statistics.median(timings["new"]) - statistics.median(timings["taken"])
    print(f"median gap (new - taken): {gap * 1000:+.2f} ms")


if __name__ == "__main__":
    main()
