#!/usr/bin/env python3
"""`make check-stack`: the deployment tested as people run it.

In a fresh clone of this checkout (uncommitted changes included), it runs the README's
deploy runbook, block by block, exactly as written (`docker compose` is docker-compose 1.29
talking to podman's Docker-compatible socket): the image is built from the repository's
`Dockerfile` and the stack started from its `docker-compose.yml`, with one override file
that adds a mail server inside the stack (containers.py). Then it uses the app through the
published port as a TLS proxy in front of it would (browser.py): people sign up, confirm by
the link in the email the stack's own mail server received, pair, check in and get a nudge;
it restarts Redis and PostgreSQL under a stream of check-ins, kills a worker with SIGKILL in
the middle of a fan-out of 2,000 nudges, backs up, destroys and restores the database,
restores in place, rotates the keys, upgrades, looks for secrets in the logs, and takes
everything down. Each step prints its figures; the first failure stops the run with the
containers' last log lines and exit status 1.

Needs podman, docker-compose 1.29 and the base images (`tests/stack/prepare.sh`, run by
`make check-stack`, provides them). Python's standard library only: it runs before and
without the project's virtual environment. `KEEP_STACK=1` leaves the stack running.
"""

from __future__ import annotations

import base64
import concurrent.futures
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from browser import PASSWORD, Browser, Mailbox, Page, text_of
from containers import Stack, StepFailed, expect, fresh_clone, run

BUDGET_SECONDS = 600
FANOUT = 2_000
LEASE_SECONDS = 20  # NUDGE_LEASE_SECONDS here: a killed worker's nudges go out again soon
STREAM_PEOPLE = 48  # people checking in while Redis and PostgreSQL restart
TIMING_TRIES = 12  # sign-ups with a registered and with a new address, in turns
STAFF = "you@example.org"  # the address in the README's `staff` block
SESSIONS = "django_session"  # left out of backups


class Check:
    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.mail = Mailbox(stack.mail_dir)
        self.canary = f"canary-{secrets.token_hex(8)}"
        self.site = ""
        self.ips = (f"198.51.100.{i}" for i in range(1, 255))
        self.counts: dict[str, int] = {}
        self.backup_file = ""

    def browser(self) -> Browser:
        return Browser(self.stack, self.site, next(self.ips))

    def base_images(self) -> str:
        images = ("python:3.11-slim", "postgres:15", "redis:7")
        missing = [
            i for i in images if run(["podman", "image", "exists", i], check=False).returncode
        ]
        expect(not missing, f"base images missing: {missing} (tests/stack/prepare.sh makes them)")
        return "python:3.11-slim, postgres:15, redis:7 present"

    def first_deploy(self) -> str:
        started = time.monotonic()
        self.stack.runbook("first-deploy")
        up = time.monotonic() - started
        healthy = self.stack.wait_healthy()
        self.site = self.stack.dotenv()["SITE_URL"]
        status = self.stack.status()
        expect(
            any("_migrate_" in n and "Exited (0)" in s for n, s in status.items()),
            f"migrate did not finish cleanly: {status}",
        )
        running = [n for n, s in status.items() if s.startswith("Up")]
        return (
            f"image built and stack up in {up:.0f} s, healthy {healthy:.0f} s later; "
            f"{len(running)} containers running, migrate exited 0"
        )

    def image_holds_no_secret(self) -> str:
        env = self.stack.dotenv()
        secrets_ = [env[k] for k in ("SECRET_KEY", "FIELD_ENCRYPTION_KEYS", "POSTGRES_PASSWORD")]
        tar = self.stack.workdir.parent / "image.tar"
        run(["podman", "save", "--quiet", "-o", str(tar), "intimacy:latest"], timeout=300)
        size = tar.stat().st_size
        data = tar.read_bytes()
        tar.unlink()
        found = [s[:6] + "…" for s in secrets_ if s.encode() in data]
        expect(not found, f"a runtime secret is inside the image: {found}")
        inspect = run(["podman", "image", "inspect", "intimacy:latest"]).stdout
        expect(all(s not in inspect for s in secrets_), "a secret is in the image's metadata")
        names = re.findall(r'"(\w*(?:SECRET|KEYS|PASSWORD)\w*)=', inspect)
        expect(not names, f"the image's environment names secrets: {names}")
        layers = len(json.loads(inspect)[0]["RootFS"]["Layers"])
        return f"{size / 1e6:.0f} MB in {layers} layers; none of the 3 runtime secrets in any"

    def pages_answer(self) -> str:
        visitor = self.browser()
        home = visitor.get("/")
        expect(home.status == 200 and "Create your account" in home.text, f"home: {home.status}")
        signup = visitor.get("/accounts/signup/")
        form = signup.form(has="email")
        names = {n for n, _, _ in form.fields}
        expect(
            {"display_name", "email", "password1", "password2", "time_zone"} <= names,
            f"sign-up form fields: {sorted(names)}",
        )
        health = visitor.get("/healthz/")
        expect(health.text == "ok", "healthz")
        hsts = signup.headers.get("Strict-Transport-Security", "")
        csp = signup.headers.get("Content-Security-Policy", "")
        expect("max-age" in hsts and "default-src 'self'" in csp, "security headers missing")
        return (
            f"home {home.status} in {home.seconds * 1000:.0f} ms, sign-up form "
            f"{signup.status} in {signup.seconds * 1000:.0f} ms, HSTS and CSP present"
        )

    def sign_up(self, name: str, address: str, zone: str) -> tuple[Browser, float]:
        person = self.browser()
        form = person.get("/accounts/signup/").form(has="email")
        sent = time.time()
        page = person.submit(
            form,
            display_name=name,
            email=address,
            password1=PASSWORD,
            password2=PASSWORD,
            time_zone=zone,
        )
        expect(page.path == "/accounts/confirm-email/", f"sign-up of {name} ended at {page.path}")
        page, took = self.confirm_by_mail(person, address, sent)
        expect(
            page.path == "/dashboard/" and f"Hello, {name}" in page.text,
            f"{name} is not on the dashboard after confirming ({page.path})",
        )
        return person, took

    def confirm_by_mail(self, person: Browser, address: str, sent: float) -> tuple[Page, float]:
        mail = self.mail.wait(
            lambda m: m.to == address and "confirm-email" in m.text and m.arrived >= sent - 1,
            f"confirming {address}",
        )
        link = re.search(r"https://\S+/accounts/confirm-email/[^/\s]+/", mail.text)
        expect(link, "no confirmation link in the email")
        confirm = person.get(link.group(0))
        # The form's key is made afresh when the page is (it carries a time): not the link's.
        page = person.submit(confirm.form(action="/accounts/confirm-email/*"))
        return page, mail.arrived - sent

    def staff_account(self) -> str:
        password = f"staff {secrets.token_urlsafe(12)}"
        self.stack.runbook("staff", stdin=password + "\n")
        person = self.browser()
        form = person.get("/accounts/login/").form(has="login")
        sent = time.time()
        page = person.submit(form, login=STAFF, password=password)
        page, _ = self.confirm_by_mail(person, STAFF, sent)
        expect(
            not page.path.startswith("/accounts/reauthenticate/"),
            "staff asked for the password again seconds after typing it to log in",
        )
        expect(
            page.path.startswith("/accounts/2fa/"),
            f"staff not sent to set up two-factor: {page.path}",
        )
        return (
            f"createsuperuser made {STAFF}; after confirming the address by email, the "
            f"first page asks for two-factor set-up ({page.path})"
        )

    def accounts_confirmed(self) -> str:
        self.alice, a = self.sign_up("Alice", "alice@couple.example.org", "Europe/Paris")
        self.bob, b = self.sign_up("Bob", "bob@couple.example.org", "America/New_York")
        return f"2 accounts confirmed by link; the emails arrived {a:.1f} s and {b:.1f} s after"

    def signup_costs_the_same(self) -> str:
        """A registered address must not answer faster than a new one (it would tell who is
        here). Each address is tried once, as a prober would: a second try of the same address
        within three minutes sends no email either way (allauth's limit per address)."""
        registered = self.stack.inside(
            f"seed_people(prefix='registered', count={TIMING_TRIES}, password={PASSWORD!r})"
        )
        known: list[float] = []
        new: list[float] = []
        for i in range(TIMING_TRIES):
            for address, times in (
                (registered[i], known),
                (f"new-{i}@couple.example.org", new),
            ):
                person = self.browser()
                form = person.get("/accounts/signup/").form(has="email")
                started = time.monotonic()
                page = person.request(
                    "POST",
                    form.action,
                    form.values(
                        display_name="Someone",
                        email=address,
                        password1=PASSWORD,
                        password2=PASSWORD,
                        time_zone="UTC",
                    ),
                    follow=False,
                )
                times.append(time.monotonic() - started)
                expect(page.status == 302, f"sign-up answered {page.status}")
        k, n = statistics.median(known), statistics.median(new)
        expect(0.75 < k / n < 1.33, f"known address {k * 1000:.0f} ms, new {n * 1000:.0f} ms")
        return (
            f"median answer {k * 1000:.0f} ms for a registered address, "
            f"{n * 1000:.0f} ms for a new one (ratio {k / n:.2f})"
        )

    def pair_and_check_in(self) -> str:
        page = self.alice.get("/dashboard/")
        page = self.alice.submit(page.form(action="/couple/start/"))
        invite = re.search(r'id="invite-url"[^>]*value="([^"]+)"', page.text)
        expect(invite, "no invite link on Alice's dashboard")
        self.invite_link = invite.group(1)
        confirm = self.bob.get(invite.group(1))
        expect("Pair with Alice" in text_of(confirm), "Bob is not offered to pair with Alice")
        page = self.bob.submit(confirm.form(action=self.bob.path_of(invite.group(1))))
        expect("You and Alice" in text_of(page), "Bob's dashboard does not show the couple")
        for person, weather, note in (
            (self.alice, "bright_spells", self.canary),
            (self.bob, "overcast", ""),
        ):
            form = person.get("/checkins/today/").form(has="weather")
            page = person.submit(
                form,
                weather=weather,
                energy="4",
                disclosure="all",
                note_to_partner="Thinking of you",
                private_note=note,
            )
            expect(page.redirects[:1] == ["/dashboard/"], f"check-in not saved: {page.path}")
        seen = [
            w in text_of(p.get("/dashboard/"))
            for p, w in ((self.alice, "Overcast"), (self.bob, "Bright spells"))
        ]
        expect(all(seen), "a partner does not see the other's weather after checking in")
        return "paired by invite link; both checked in and each sees the other's weather"

    def nudge_arrives(self) -> str:
        page = self.bob.get("/settings/nudges/")
        form = page.form(has="daily_cap")
        now = time.time()
        due = (int(now) // 60 + 1) * 60
        if due - now < 15:
            due += 60
        zone_offset = self._bob_offset()
        at = time.strftime("%H:%M", time.gmtime(due + zone_offset))
        quiet = {n: v for n, v, _ in form.fields if n in ("quiet_start", "quiet_end")}
        start, end = quiet["quiet_start"], quiet["quiet_end"]
        if (start <= at < end) if start <= end else (at >= start or at < end):
            quiet = {"quiet_start": "00:00", "quiet_end": "00:00"}  # none, as Bob may choose
        page = self.bob.submit(
            form, on_slow_hug="on", at_slow_hug=at, by_email="on", daily_cap="10", **quiet
        )
        errors = re.findall(r'<p class="error"[^>]*>([^<]+)<', page.text)
        expect("Your nudges are saved." in page.text, f"nudges not saved: {errors}")
        mail = self.mail.wait(
            lambda m: m.to == "bob@couple.example.org" and "hug" in m.subject,
            "with Bob's nudge",
            timeout=due - time.time() + 60,
        )
        late = mail.arrived - due
        self.bob_nudge = mail
        expect("/nudges/unsubscribe/" in mail.text, "the nudge has no unsubscribe link")
        return f"Bob's {at} nudge (his time) reached the mail server {late:.1f} s after its minute"

    def logs_hold_no_secret(self) -> str:
        """Every link with a secret that people were sent and opened, and every secret of .env,
        is nowhere in any container's log."""
        links = re.findall(r"https://\S+/(?:n|nudges/unsubscribe)/[^/\s]+/", self.bob_nudge.text)
        for link in links:  # opened on another device, as from the email
            self.browser().get(link)
        env = self.stack.dotenv()
        looked_for = {
            "invite": self.invite_link.rstrip("/").rsplit("/", 1)[1],
            "password": PASSWORD,
            "private note": self.canary,
            **{f"nudge link {i}": u.rstrip("/").rsplit("/", 1)[1] for i, u in enumerate(links)},
            **{k: env[k] for k in ("SECRET_KEY", "FIELD_ENCRYPTION_KEYS", "POSTGRES_PASSWORD")},
        }
        for i, mail in enumerate(self.mail.messages()):
            for key in re.findall(r"/accounts/confirm-email/([^/\s]+)/", mail.text):
                looked_for[f"confirmation {i}"] = key
        logs = self.stack.compose("logs", "--no-color", timeout=120).stdout
        found = [what for what, secret in looked_for.items() if secret in logs]
        expect(not found, f"in the logs: {found}")
        expect("[secret]" in logs, "the logs show no redacted link at all")
        return (
            f"{len(looked_for)} secrets (confirmation and invite links, nudge links, the "
            f"password, a private note, the .env secrets) looked for in "
            f"{logs.count(chr(10))} log lines of every container: none there"
        )

    def _bob_offset(self) -> int:
        """Bob's UTC offset now, in seconds, as the app computes it (his zone's rules)."""
        out = run(
            [
                "python3",
                "-c",
                "import datetime as d, zoneinfo as z; print(int(d.datetime."
                "now(z.ZoneInfo('America/New_York')).utcoffset().total_seconds()))",
            ]
        )
        return int(out.stdout)

    def restarts_lose_nothing(self) -> str:
        emails = self.stack.inside(
            f"seed_people(prefix='stream', count={STREAM_PEOPLE}, password={PASSWORD!r})"
        )
        people = []
        with concurrent.futures.ThreadPoolExecutor(4) as pool:

            def login(address: str) -> Browser:
                person = self.browser()
                person.log_in(address)
                return person

            people = list(pool.map(login, emails))
        confirmed: dict[str, int] = {}  # email: the last save the app answered "saved"
        answered = {"saved": 0, "failed": 0}
        stop = threading.Event()
        lock = threading.Lock()
        last_failure = [0.0]

        def stream(share: list[tuple[str, Browser]]) -> None:
            n = 0
            while not stop.is_set():
                for address, person in share:
                    n += 1
                    note = f"save-{n:06d}"
                    try:
                        form = person.get("/checkins/today/", timeout=20).form(has="weather")
                        page = person.request(
                            "POST",
                            form.action,
                            form.values(
                                weather="sunny",
                                energy="3",
                                disclosure="weather",
                                private_note=note,
                            ),
                            follow=False,
                            timeout=20,
                        )
                        ok = page.status == 302 and page.headers["Location"] == "/dashboard/"
                    except (OSError, http.client.HTTPException, StepFailed):
                        ok = False
                    with lock:
                        if ok:
                            confirmed[address] = n
                            answered["saved"] += 1
                        else:
                            answered["failed"] += 1
                            last_failure[0] = time.monotonic()
                    time.sleep(0.05)

        pairs = list(zip(emails, people, strict=True))
        threads = [threading.Thread(target=stream, args=(pairs[i::4],)) for i in range(4)]
        for t in threads:
            t.start()
        figures = []
        try:
            time.sleep(4)
            for service in ("redis", "postgres"):
                saved, failed = answered["saved"], answered["failed"]
                started = time.monotonic()
                self.stack.compose("restart", service, timeout=120)
                self.stack.wait_healthy((service,), timeout=120)
                back = time.monotonic()
                # Recovered: saves go through again, and keep going for a few seconds.
                while answered["saved"] < saved + 20 or time.monotonic() - last_failure[0] < 3:
                    expect(time.monotonic() - back < 90, f"no saves after restarting {service}")
                    time.sleep(0.2)
                refused = answered["failed"] - failed
                gap = (
                    f", the last {last_failure[0] - started:.1f} s after it began"
                    if refused
                    else ""
                )
                figures.append(
                    f"{service} restarted in {back - started:.0f} s: "
                    f"{answered['saved'] - saved} saved, {refused} refused{gap}"
                )
        finally:
            stop.set()
            for t in threads:
                t.join(timeout=60)
        notes = self.stack.inside(f"latest_private_notes(emails={emails!r})")
        lost = [
            a
            for a, n in confirmed.items()
            if notes.get(a) is None or int(notes[a].split("-")[1]) < n
        ]
        expect(not lost, f"saved check-ins lost: {lost[:5]} ({len(lost)})")
        return (
            f"{answered['saved']} check-ins answered 'saved' by {len(emails)} people, 0 lost "
            f"(each person's stored check-in is their last saved one or newer); "
            + "; ".join(figures)
        )

    def fanout_survives_a_killed_worker(self) -> str:
        self.stack.runbook("scale-out")
        workers = self.stack.containers("worker", running=True)
        expect(len(workers) == 2, f"workers after scaling out: {workers}")
        now = time.time()
        due = (int(now) // 60 + 1) * 60
        if due - now < 15:
            due += 60
        due_iso = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(due))
        made = self.stack.inside(f"seed_fanout(count={FANOUT}, due_at={due_iso!r})")
        expect(made == FANOUT, f"seeded {made}")
        domain = "@load.example.org"
        # The stack's mail server stops answering after a tenth of the fan-out: every worker
        # then waits in the middle of a batch, however loaded the machine, and one of them is
        # killed there, from the host, as a crash or the OOM killer would.
        (self.stack.mail_dir / "hold").write_text(f"{domain} {FANOUT // 10}")
        time.sleep(max(0.0, due - time.time()))
        held = self.stack.mail_dir / "held"
        while not held.exists():
            expect(time.time() - due < 90, "the fan-out did not start")
            time.sleep(0.1)
        killed, at_kill = "", sum(1 for m in self.mail.messages() if m.to.endswith(domain))
        for name in workers:
            logs = run(["podman", "logs", "--since", str(int(due)), name], check=False)
            said = logs.stdout + logs.stderr
            received = len(re.findall(r"send_nudges\[[\w-]+\] received", said))
            if received > len(re.findall(r"send_nudges\[[\w-]+\] (succeeded|retry)", said)):
                pid = run(["podman", "inspect", "--format", "{{.State.Pid}}", name]).stdout
                os.kill(int(pid), signal.SIGKILL)
                killed = name
                break
        (self.stack.mail_dir / "release").touch()
        expect(killed, "no worker was seen sending a batch of the fan-out")
        expect(at_kill < FANOUT, f"the fan-out was over ({at_kill}) before a worker was killed")
        started = time.time()
        while True:
            got = [m.to for m in self.mail.messages() if m.to.endswith(domain)]
            if len(set(got)) >= FANOUT:
                break
            expect(
                time.time() - started < LEASE_SECONDS + 150,
                f"{FANOUT - len(set(got))} nudges lost after the worker was killed",
            )
            time.sleep(0.5)
        states = self.stack.inside(f"nudge_states(domain={domain!r})")
        expect(states == {"sent": FANOUT}, f"nudge states: {states}")
        duplicates = len(got) - len(set(got))
        restarted = "Up" in self.stack.status().get(killed, "")
        return (
            f"{FANOUT} nudges: worker {killed.rsplit('_', 1)[1]} SIGKILLed with {at_kill} "
            f"delivered; all {FANOUT} delivered {time.time() - due:.0f} s after the minute, "
            f"0 lost, {duplicates} sent twice (the batch in flight); the killed worker "
            f"{'was restarted by its restart policy' if restarted else 'stayed down'}"
        )

    def restore_drill(self) -> str:
        self.counts = self._quiet_counts()
        out = self.stack.runbook("backup")
        backups = sorted((self.stack.workdir / "backups").glob("intimacy-*.dump"))
        expect(backups, f"no backup written: {out}")
        self.backup_file = backups[-1].name
        size = backups[-1].stat().st_size
        expect(self._quiet_counts() == self.counts, "rows changed while backing up")
        # The dump holds ciphertext only: the canary is not in it, and neither is any key.
        sql = self.stack.compose(
            "run",
            "--rm",
            "--no-deps",
            "--entrypoint",
            "pg_restore",
            "backup",
            "--file=-",
            f"/backups/{self.backup_file}",
        ).stdout
        keys = self.stack.dotenv()["FIELD_ENCRYPTION_KEYS"]
        expect(self.canary not in sql and "enc1:" in sql, "the canary is readable in the dump")
        expect(keys not in sql, "the encryption key is in the dump")
        # Lose the database: every container and the volume go.
        self.stack.compose("down", "-v")
        volumes = run(
            [
                "podman",
                "volume",
                "ls",
                "-q",
                "--filter",
                f"label=com.docker.compose.project={self.stack.project}",
            ]
        ).stdout.split()
        expect(not volumes, f"volumes left: {volumes}")
        started = time.monotonic()
        self.stack.runbook("restore-new-server")
        self.stack.wait_healthy()
        took = time.monotonic() - started
        after = self.stack.inside("table_counts()")
        self._expect_counts_of_the_backup(after, "after the restore")
        rows = sum(n for t, n in self.counts.items() if t != SESSIONS)
        expect(self._canary_readable(), "Alice's private note does not read after the restore")
        self._canary_unreadable_with(_fernet_key())
        return (
            f"backup {size / 1e3:.0f} kB; database volume destroyed; restored into a fresh "
            f"stack in {took:.0f} s; {len(self.counts)} tables, {rows} rows, every count "
            f"equal, no session ({self.counts[SESSIONS]} before); the canary note decrypts with "
            f"the keys, not without, and is not in the dump"
        )

    def _expect_counts_of_the_backup(self, after: dict[str, int], when: str) -> None:
        """Every table as it was at the backup, but sessions: a dump logs nobody in."""
        diff = {
            t: (n, after.get(t))
            for t, n in self.counts.items()
            if t != SESSIONS and after.get(t) != n
        }
        expect(not diff, f"row counts differ {when}: {diff}")
        expect(after.get(SESSIONS) == 0, f"sessions {when}: {after.get(SESSIONS)}")

    def _quiet_counts(self) -> dict[str, int]:
        """Row counts, taken twice until they agree (a nudge could be due meanwhile)."""
        for _ in range(5):
            first = self.stack.inside("table_counts()")
            if self.stack.inside("table_counts()") == first:
                return first
        raise StepFailed("row counts kept changing")

    def _canary_unreadable_with(self, keys: str) -> None:
        """With other keys the app cannot read Alice's private note, and says why."""
        try:
            notes = self.stack.inside(
                "latest_private_notes(emails=['alice@couple.example.org'])", keys=keys
            )
        except StepFailed as exc:
            expect("could not be decrypted" in str(exc), f"unexpected failure: {exc}")
            return
        raise StepFailed(f"the note reads without its key: {notes}")

    def _canary_readable(self) -> bool:
        alice = self.browser()
        alice.log_in("alice@couple.example.org")
        return self.canary in alice.get("/checkins/today/").text

    def in_place_restore(self) -> str:
        # Written after the backup: a session and three people, which the restore must undo.
        alice = self.browser()
        alice.log_in("alice@couple.example.org")
        self.stack.inside(f"seed_people(prefix='after-backup', count=3, password={PASSWORD!r})")
        written = self._quiet_counts()
        # A half-copied dump, the newest: restoring it must change nothing.
        good = self.stack.workdir / "backups" / self.backup_file
        damaged = good.with_name("intimacy-29991231T000000Z.dump")
        damaged.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
        refused = self.stack.compose("run", "--rm", "backup", "restore", check=False)
        damaged.unlink()
        expect(refused.returncode != 0, "a damaged dump was restored")
        expect("nothing was changed" in refused.stderr, f"restore said: {refused.stderr[-300:]}")
        expect(self._quiet_counts() == written, "a damaged dump changed the database")
        started = time.monotonic()
        self.stack.runbook("restore")
        self.stack.wait_healthy()
        took = time.monotonic() - started
        self._expect_counts_of_the_backup(self.stack.inside("table_counts()"), "in place")
        page = alice.get("/dashboard/")
        expect(page.path.startswith("/accounts/login/"), "a session from before still works")
        expect(self._canary_readable(), "the canary is unreadable after restoring in place")
        return (
            f"a half-copied dump refused with nothing changed; app stopped, the newest backup "
            f"put in place of the running database, started again, in {took:.0f} s: the 3 "
            f"people and the session written after the backup are gone, every other count as "
            f"at the backup"
        )

    def rotate_keys(self) -> str:
        old = self.stack.dotenv()["FIELD_ENCRYPTION_KEYS"]
        out = self.stack.runbook("rotate-keys")
        new = self.stack.dotenv()["FIELD_ENCRYPTION_KEYS"]
        expect(new != old and "," not in new, f"the .env keys after rotating: {new[:8]}…")
        self.stack.wait_healthy()
        rows = re.search(r"Done: (\d+) rows", out)
        expect(rows, f"rotate_encryption_keys did not report: {out[-500:]}")
        expect(self._canary_readable(), "the canary is unreadable after the rotation")
        self._canary_unreadable_with(old)
        return f"{rows.group(1)} rows re-encrypted; the canary reads with the new key, not the old"

    def rotate_secret_key(self) -> str:
        link = re.search(r"https://\S+/nudges/unsubscribe/[^/\s]+/", self.bob_nudge.text)
        expect(link, "no unsubscribe link in Bob's nudge")
        alice = self.browser()
        alice.log_in("alice@couple.example.org")
        old = self.stack.dotenv()["SECRET_KEY"]
        self.stack.runbook("rotate-secret-key")
        self.stack.wait_healthy()
        env = self.stack.dotenv()
        expect(env["SECRET_KEY"] != old and env["SECRET_KEY_FALLBACKS"] == old, "the .env keys")
        page = self.browser().get(link.group(0))
        expect(
            page.status == 200 and page.form(action=page.path),
            f"a link sent before the rotation answers {page.status}",
        )
        page = alice.get("/dashboard/")
        expect(page.path == "/dashboard/", f"logged out by the rotation: {page.path}")
        return (
            "new SECRET_KEY, the old one a fallback: an unsubscribe link sent before still "
            "opens, and a session from before stays logged in"
        )

    def upgrade(self) -> str:
        before = self._quiet_counts()
        migrate = next(n for n in self.stack.containers("migrate"))
        inspect = ["podman", "inspect", "--format", "{{.State.FinishedAt}}", migrate]
        finished = run(inspect).stdout
        started = time.monotonic()
        out = self.stack.runbook("upgrade")
        self.stack.wait_healthy()
        migrate = next(n for n in self.stack.containers("migrate"))
        inspect[-1] = migrate
        expect(run(inspect).stdout != finished, "migrate did not run again")
        expect("Exited (0)" in self.stack.status()[migrate], "migrate failed")
        workers = self.stack.containers("worker", running=True)
        expect(len(workers) == 2, f"WORKER_REPLICAS did not last: {workers}")
        after = self._quiet_counts()
        expect(
            after == before,
            f"rows changed by the upgrade: "
            f"{ {t: (n, after.get(t)) for t, n in before.items() if after.get(t) != n} }",
        )
        expect("backup: intimacy-" in out, "the upgrade did not back up first")
        return (
            f"pulled (this commit again: the upgrade from the previous release is "
            f"tests/upgrade/'s), backed up, rebuilt and restarted in "
            f"{time.monotonic() - started:.0f} s; migrate ran again and exited 0; "
            f"{len(before)} tables unchanged; still 2 workers"
        )

    def remove(self) -> str:
        self.stack.runbook("remove")
        left = self.stack.containers()
        volumes = run(
            [
                "podman",
                "volume",
                "ls",
                "-q",
                "--filter",
                f"label=com.docker.compose.project={self.stack.project}",
            ]
        ).stdout.split()
        networks = [
            n
            for n in run(["podman", "network", "ls", "--format", "{{.Name}}"]).stdout.split()
            if n.startswith(self.stack.project)
        ]
        expect(
            not left and not volumes and not networks, f"left behind: {left} {volumes} {networks}"
        )
        return "no container, volume or network of the stack left"


def _fernet_key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


def main() -> int:
    begun = time.monotonic()
    tmp = Path(tempfile.mkdtemp(prefix="check-stack-"))
    stack = Stack(fresh_clone(tmp), lease_seconds=LEASE_SECONDS)
    check = Check(stack)
    steps: list[tuple[str, Callable[[], str]]] = [
        ("base images", check.base_images),
        ("first deploy (README), image built, stack healthy", check.first_deploy),
        ("no secret in the image", check.image_holds_no_secret),
        ("home page and sign-up form answer", check.pages_answer),
        ("first staff account (README)", check.staff_account),
        ("sign-up confirmed by the stack's own mail", check.accounts_confirmed),
        ("sign-up costs the same for known and new addresses", check.signup_costs_the_same),
        ("two accounts pair and check in", check.pair_and_check_in),
        ("a due nudge sent by the worker", check.nudge_arrives),
        ("the logs hold no secret", check.logs_hold_no_secret),
        ("Redis and PostgreSQL restarted under check-ins", check.restarts_lose_nothing),
        ("scale out (README); SIGKILL a worker mid fan-out", check.fanout_survives_a_killed_worker),
        ("backup (README), restore drill on a fresh stack (README)", check.restore_drill),
        ("restore in place (README)", check.in_place_restore),
        ("rotate the encryption key (README)", check.rotate_keys),
        ("rotate SECRET_KEY (README)", check.rotate_secret_key),
        ("upgrade (README)", check.upgrade),
        ("take it all down (README)", check.remove),
    ]
    print(
        f"check-stack: project {stack.project}, web on 127.0.0.1:{stack.port}, in {tmp}", flush=True
    )
    failed = False
    stack.start_api()
    try:
        for n, (title, step) in enumerate(steps, 1):
            started = time.monotonic()
            print(f"[{n:2}/{len(steps)}] {title} ...", end=" ", flush=True)
            try:
                figure = step()
            except (StepFailed, subprocess.TimeoutExpired, OSError) as exc:
                print(f"FAILED after {time.monotonic() - started:.0f} s\n{exc}", flush=True)
                print("--- last log lines ---\n" + stack.logs(), flush=True)
                failed = True
                break
            print(f"ok in {time.monotonic() - started:.0f} s\n        {figure}", flush=True)
    finally:
        if os.environ.get("KEEP_STACK") == "1":
            print(
                f"KEEP_STACK=1: left running; COMPOSE_PROJECT_NAME={stack.project} "
                f"DOCKER_HOST={stack.env['DOCKER_HOST']} in {stack.workdir}"
            )
        else:
            stack.down()
            stack.stop_api()
            shutil.rmtree(tmp, ignore_errors=True)
    total = time.monotonic() - begun
    if not failed and total > BUDGET_SECONDS:
        print(f"check-stack: over its budget: {total:.0f} s > {BUDGET_SECONDS} s")
        failed = True
    print(f"check-stack: {'FAILED' if failed else 'passed'} in {total:.0f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
