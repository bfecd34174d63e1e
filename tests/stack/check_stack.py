#!/usr/bin/env python3
"""`make check-stack`: the deployment tested as people run it.

In a fresh clone of this checkout (uncommitted changes included), it runs the README's
deploy runbook, block by block, exactly as written (`docker compose` is docker-compose 1.29
talking to podman's Docker-compatible socket): the image is built from the repository's
`Dockerfile` and the stack started from its `docker-compose.yml`, with one override file
that adds a mail server inside the stack. Then it uses the app through the published port
as a TLS proxy in front of it would (the public host name, `X-Forwarded-Proto: https`, a
client address in `X-Forwarded-For`): people sign up, confirm by the link in the email the
stack's own mail server received, pair, check in and get a nudge; it restarts Redis and
PostgreSQL under a stream of check-ins, kills a worker with SIGKILL during a fan-out of
2,000 nudges, backs up, destroys and restores the database, rotates the encryption key,
upgrades, and takes everything down. Each step prints its figures; the first failure stops
the run with the containers' last log lines and exit status 1.

Needs podman, docker-compose 1.29 and the base images (`tests/stack/prepare.sh`, run by
`make check-stack`, provides them). Python's standard library only: it runs before and
without the project's virtual environment. `KEEP_STACK=1` leaves the stack running.
"""

from __future__ import annotations

import base64
import concurrent.futures
import email
import email.policy
import html.parser
import http.client
import http.cookies
import json
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
BUDGET_SECONDS = 600
FANOUT = 2_000
LEASE_SECONDS = 20  # NUDGE_LEASE_SECONDS here: a killed worker's nudges go out again soon
STREAM_PEOPLE = 48  # people checking in while Redis and PostgreSQL restart
TIMING_TRIES = 12  # sign-ups with a registered and with a new address, in turns
PASSWORD = "a quiet lake in the morning"
STAFF = "you@example.org"  # the address in the README's `staff` block


class StepFailed(Exception):
    pass


def expect(condition: object, message: str) -> None:
    if not condition:
        raise StepFailed(message)


def run(
    cmd: list[str],
    *,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    input: str | None = None,
    timeout: float = 600,
    check: bool = True,
) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        cmd,
        env=env,
        cwd=cwd,
        input=input,
        text=True,
        capture_output=True,
        timeout=timeout,
        check=False,
    )
    if check and done.returncode != 0:
        raise StepFailed(
            f"`{' '.join(cmd)[:200]}` exited {done.returncode}:\n{done.stdout[-2000:]}"
            f"\n{done.stderr[-3000:]}"
        )
    return done


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- The runbook: the README's deploy commands, run as written -----------------------------

RUNBOOK_BLOCK = re.compile(r"<!-- check-stack: ([\w-]+) -->\s*```(?:sh|bash)\n(.*?)```", re.S)
# `docker compose ...` as the README writes it, through docker-compose 1.29 (the Compose v1
# client speaks the same file and commands); any other `docker` command is the Docker CLI.
SHELL_PRELUDE = """set -euo pipefail
docker() {
  if [ "$1" = compose ]; then shift; command docker-compose "$@"; else command docker "$@"; fi
}
"""


def runbook_blocks(readme: Path) -> dict[str, str]:
    return dict(RUNBOOK_BLOCK.findall(readme.read_text()))


# --- The stack ----------------------------------------------------------------------------


class Stack:
    """One compose project in a fresh clone, driven through podman's Docker-compatible API."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.project = f"stackcheck{secrets.token_hex(3)}"
        self.port = free_port()
        self.mail_dir = workdir.parent / "mail"
        self.mail_dir.mkdir()
        self.socket = workdir.parent / "podman.sock"
        self.env = {
            **os.environ,
            "DOCKER_HOST": f"unix://{self.socket}",
            "COMPOSE_PROJECT_NAME": self.project,
            "COMPOSE_FILE": "docker-compose.yml:tests/stack/compose.override.yml",
            "COMPOSE_HTTP_TIMEOUT": "300",
            # The documented variables a test deployment changes; everything else comes
            # from the .env file the runbook writes.
            "WEB_PORT": str(self.port),
            "EMAIL_URL": "smtp://smtp:1025",
            "NUDGE_LEASE_SECONDS": str(LEASE_SECONDS),
            "STACK_MAIL_DIR": str(self.mail_dir),
        }
        self.blocks = runbook_blocks(workdir / "README.md")
        self._service: subprocess.Popen[bytes] | None = None
        self._stop = threading.Event()
        self._health: threading.Thread | None = None

    def start_api(self) -> None:
        """podman's Docker-compatible API on a socket of this run's own."""
        self._service = subprocess.Popen(
            ["podman", "system", "service", "--time=0", f"unix://{self.socket}"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(100):
            if self.socket.exists():
                break
            time.sleep(0.1)
        expect(self.socket.exists(), "podman's API socket did not appear")
        # Without systemd podman runs no health check by itself: run them as a timer would.
        self._health = threading.Thread(target=self._health_checks, daemon=True)
        self._health.start()

    def _health_checks(self) -> None:
        while not self._stop.wait(2):
            for name in self.containers(running=True):
                subprocess.run(
                    ["podman", "healthcheck", "run", name], capture_output=True, check=False
                )

    def stop_api(self) -> None:
        self._stop.set()
        if self._service is not None:
            self._service.terminate()
            self._service.wait(timeout=30)

    def runbook(self, name: str, *, stdin: str | None = None, timeout: float = 600) -> str:
        expect(name in self.blocks, f"README.md has no runbook block `{name}`")
        done = run(
            ["bash", "-c", SHELL_PRELUDE + self.blocks[name]],
            env=self.env,
            cwd=self.workdir,
            input=stdin,
            timeout=timeout,
        )
        return done.stdout + done.stderr

    def compose(
        self, *args: str, input: str | None = None, check: bool = True, timeout: float = 600
    ) -> subprocess.CompletedProcess[str]:
        return run(
            ["docker-compose", *args],
            env=self.env,
            cwd=self.workdir,
            input=input,
            timeout=timeout,
            check=check,
        )

    def containers(self, service: str | None = None, *, running: bool = False) -> list[str]:
        cmd = [
            "podman",
            "ps",
            "--format",
            "{{.Names}}",
            "--filter",
            f"label=com.docker.compose.project={self.project}",
        ]
        if service:
            cmd += ["--filter", f"label=com.docker.compose.service={service}"]
        if not running:
            cmd.insert(2, "-a")
        done = run(cmd, check=False)
        return sorted(done.stdout.split())

    def status(self) -> dict[str, str]:
        done = run(
            [
                "podman",
                "ps",
                "-a",
                "--format",
                "{{.Names}}\t{{.Status}}",
                "--filter",
                f"label=com.docker.compose.project={self.project}",
            ],
            check=False,
        )
        return dict(line.split("\t", 1) for line in done.stdout.splitlines() if "\t" in line)

    def wait_healthy(
        self, services: tuple[str, ...] = ("postgres", "redis", "web"), timeout: float = 180
    ) -> float:
        started = time.monotonic()
        while True:
            status = self.status()
            waiting = [
                s
                for s in services
                if not any(f"_{s}_" in name and "(healthy)" in st for name, st in status.items())
            ]
            if not waiting:
                return time.monotonic() - started
            if time.monotonic() - started > timeout:
                raise StepFailed(f"not healthy after {timeout:.0f} s: {waiting} ({status})")
            time.sleep(1)

    def inside(self, call: str, timeout: float = 300, keys: str | None = None) -> object:
        """Run a call of tests/stack/inside.py in the web container; its JSON answer."""
        code = (HERE / "inside.py").read_text() + f"\nanswer({call})\n"
        if keys is None:
            done = self.compose(
                "exec", "-T", "web", "python", "manage.py", "shell", "-c", code, timeout=timeout
            )
        else:  # the same container, this one process with other encryption keys
            done = self.compose(
                "exec",
                "-T",
                "-e",
                f"FIELD_ENCRYPTION_KEYS={keys}",
                "web",
                "python",
                "manage.py",
                "shell",
                "-c",
                code,
                timeout=timeout,
                check=False,
            )
            if done.returncode != 0:
                raise StepFailed(done.stderr[-1500:])
        for line in done.stdout.splitlines():
            if line.startswith("STACK-RESULT "):
                return json.loads(line[len("STACK-RESULT ") :])
        raise StepFailed(f"no answer from inside the container:\n{done.stdout[-1500:]}")

    def dotenv(self) -> dict[str, str]:
        lines = (self.workdir / ".env").read_text().splitlines()
        return dict(line.split("=", 1) for line in lines if "=" in line)

    def logs(self) -> str:
        done = self.compose("logs", "--no-color", "--tail=25", check=False, timeout=60)
        return done.stdout[-8000:]

    def down(self) -> None:
        self.compose("down", "-v", "--remove-orphans", check=False, timeout=300)


# --- The mail the stack's SMTP service received ---------------------------------------------


@dataclass
class Mail:
    to: str
    subject: str
    text: str
    arrived: float


class Mailbox:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._seen: dict[str, Mail] = {}

    def messages(self) -> list[Mail]:
        for path in sorted(self.folder.glob("*.eml")):
            if path.name not in self._seen:
                msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
                body = msg.get_body(("plain",))
                self._seen[path.name] = Mail(
                    to=str(msg["X-Envelope-To"]),
                    subject=str(msg["Subject"]),
                    text=body.get_content() if body else "",
                    arrived=path.stat().st_mtime,
                )
        return list(self._seen.values())

    def count(self) -> int:
        return sum(1 for _ in self.folder.glob("*.eml"))

    def wait(self, predicate: Callable[[Mail], bool], what: str, timeout: float = 30) -> Mail:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [m for m in self.messages() if predicate(m)]
            if found:
                return found[-1]
            time.sleep(0.2)
        raise StepFailed(f"no email {what} within {timeout:.0f} s")


# --- A person's browser, through the proxy's door ---------------------------------------------


@dataclass
class Form:
    action: str
    method: str
    fields: list[tuple[str, str, str]] = field(default_factory=list)  # name, value, kind

    def values(self, **changes: str | list[str]) -> list[tuple[str, str]]:
        """What a browser sends with `changes` made (a list sets every value of a name)."""
        sent = [(n, v) for n, v, kind in self.fields if n not in changes and kind != "unchecked"]
        for name, value in changes.items():
            sent += [(name, v) for v in (value if isinstance(value, list) else [value])]
        return sent


class _Forms(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []
        self._select: str | None = None
        self._select_value: str | None = None
        self._textarea: str | None = None
        self._text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append(Form(a.get("action", ""), a.get("method", "get").lower()))
        elif not self.forms:
            return
        elif tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in a:
                kind = "unchecked"
            default = "on" if kind in ("checkbox", "radio", "unchecked") else ""
            if kind not in ("submit", "button", "image"):
                self.forms[-1].fields.append((a["name"], a.get("value", default), kind))
        elif tag == "select":
            self._select, self._select_value = a.get("name"), None
        elif tag == "option" and self._select:
            if self._select_value is None or "selected" in a:
                self._select_value = a.get("value", "")
        elif tag == "textarea":
            self._textarea, self._text = a.get("name"), ""

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self._text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "select" and self._select and self.forms:
            self.forms[-1].fields.append((self._select, self._select_value or "", "select"))
            self._select = None
        elif tag == "textarea" and self._textarea and self.forms:
            self.forms[-1].fields.append((self._textarea, self._text.lstrip("\n"), "textarea"))
            self._textarea = None


@dataclass
class Page:
    status: int
    path: str
    text: str
    headers: http.client.HTTPMessage
    redirects: list[str]
    seconds: float

    def form(self, *, action: str | None = None, has: str | None = None) -> Form:
        """The first form posting to `action` (a path, or a prefix ending in `*`) and having
        a field named `has`."""
        parser = _Forms()
        parser.feed(self.text)
        for form in parser.forms:
            target = urllib.parse.urljoin(self.path, form.action or self.path)
            path = urllib.parse.urlsplit(target).path
            if (
                action is None
                or path == action
                or (action.endswith("*") and path.startswith(action[:-1]))
            ) and (has is None or any(name == has for name, _, _ in form.fields)):
                form.action = target
                return form
        words = " ".join(re.sub(r"<[^>]+>", " ", self.text).split())
        raise StepFailed(
            f"no form (action={action}, field={has}) on {self.path} ({self.status}): {words[:600]}"
        )


class Browser:
    """Sends what a TLS proxy in front of the web container forwards for one person."""

    def __init__(self, stack: Stack, site_url: str, client_ip: str) -> None:
        self.port = stack.port
        self.site = site_url.rstrip("/")
        self.host = urllib.parse.urlsplit(site_url).netloc
        self.client_ip = client_ip
        self.cookies: dict[str, str] = {}

    def _send(
        self, method: str, path: str, body: list[tuple[str, str]] | None, timeout: float
    ) -> tuple[int, http.client.HTTPMessage, str]:
        headers = {
            "Host": self.host,
            "X-Forwarded-Proto": "https",
            "X-Forwarded-For": self.client_ip,
            "User-Agent": "check-stack",
            "Accept": "text/html",
        }
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        data = None
        if body is not None:
            data = urllib.parse.urlencode(body)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = self.site
            headers["Referer"] = self.site + path
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request(method, path, data, headers)
            resp = conn.getresponse()
            text = resp.read().decode("utf-8", "replace")
        finally:
            conn.close()
        for raw in resp.headers.get_all("Set-Cookie") or []:
            jar = http.cookies.SimpleCookie()
            jar.load(raw)
            for name, morsel in jar.items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return resp.status, resp.headers, text

    def request(
        self,
        method: str,
        url: str,
        body: list[tuple[str, str]] | None = None,
        *,
        follow: bool = True,
        timeout: float = 30,
    ) -> Page:
        path = self.path_of(url)
        started = time.monotonic()
        status, headers, text = self._send(method, path, body, timeout)
        redirects = []
        while follow and status in (301, 302, 303) and len(redirects) < 10:
            path = self.path_of(headers["Location"], base=path)
            redirects.append(path)
            status, headers, text = self._send("GET", path, None, timeout)
        return Page(status, path, text, headers, redirects, time.monotonic() - started)

    def get(self, url: str, **kw: object) -> Page:
        return self.request("GET", url, **kw)  # type: ignore[arg-type]

    def submit(self, form: Form, **changes: str | list[str]) -> Page:
        return self.request("POST", form.action, form.values(**changes))

    def path_of(self, url: str, base: str = "/") -> str:
        parts = urllib.parse.urlsplit(urllib.parse.urljoin(self.site + base, url))
        expect(parts.netloc == self.host, f"a link away from the site: {url}")
        return parts.path + (f"?{parts.query}" if parts.query else "")

    def log_in(self, email_address: str, password: str = PASSWORD) -> Page:
        page = self.get("/accounts/login/")
        page = self.submit(page.form(has="login"), login=email_address, password=password)
        expect(page.path == "/dashboard/", f"login of {email_address} ended at {page.path}")
        return page


def text_of(page: Page) -> str:
    """The page's words, without tags, for looking for what a person reads."""
    return " ".join(re.sub(r"<[^>]+>", " ", page.text).split())


# --- The steps ------------------------------------------------------------------------------


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
        expect(0.6 < k / n < 1.67, f"known address {k * 1000:.0f} ms, new {n * 1000:.0f} ms")
        return (
            f"median answer {k * 1000:.0f} ms for a registered address, "
            f"{n * 1000:.0f} ms for a new one (ratio {k / n:.2f})"
        )

    def pair_and_check_in(self) -> str:
        page = self.alice.get("/dashboard/")
        page = self.alice.submit(page.form(action="/couple/start/"))
        invite = re.search(r'id="invite-url"[^>]*value="([^"]+)"', page.text)
        expect(invite, "no invite link on Alice's dashboard")
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
        if due - now < 25:
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
        if due - now < 30:
            due += 60
        due_iso = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(due))
        made = self.stack.inside(f"seed_fanout(count={FANOUT}, due_at={due_iso!r})")
        expect(made == FANOUT, f"seeded {made}")
        domain = "@load.example.org"
        time.sleep(max(0.0, due - time.time()))
        # Kill a worker in the middle of sending (a tenth already delivered, one of its
        # batches not finished), from the host, as a crash or the OOM killer would.
        killed, at_kill = "", 0
        deadline = time.time() + 90
        while not killed and time.time() < deadline:
            delivered = sum(1 for m in self.mail.messages() if m.to.endswith(domain))
            for name in workers if delivered >= FANOUT // 10 else []:
                logs = run(["podman", "logs", "--since", str(int(due)), name], check=False)
                said = logs.stdout + logs.stderr
                received = len(re.findall(r"send_nudges\[[\w-]+\] received", said))
                if received > len(re.findall(r"send_nudges\[[\w-]+\] (succeeded|retry)", said)):
                    pid = run(["podman", "inspect", "--format", "{{.State.Pid}}", name]).stdout
                    os.kill(int(pid), signal.SIGKILL)
                    killed, at_kill = name, delivered
                    break
            time.sleep(0.05)
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
        diff = {t: (n, after.get(t)) for t, n in self.counts.items() if after.get(t) != n}
        expect(not diff, f"row counts differ after the restore: {diff}")
        rows = sum(self.counts.values())
        expect(self._canary_readable(), "Alice's private note does not read after the restore")
        self._canary_unreadable_with(_fernet_key())
        return (
            f"backup {size / 1e3:.0f} kB; database volume destroyed; restored into a fresh "
            f"stack in {took:.0f} s; {len(self.counts)} tables, {rows} rows, every count "
            f"equal; the canary note decrypts with the keys, not without, and is not in the "
            f"dump"
        )

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
        self.stack.runbook("restore")
        self.stack.wait_healthy()
        after = self.stack.inside("table_counts()")
        expect(
            after == self.counts or all(after[t] >= n for t, n in self.counts.items()),
            "rows lost by the in-place restore",
        )
        expect(self._canary_readable(), "the canary is unreadable after restoring in place")
        return "app stopped, the newest backup restored over the running database, started again"

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
        started = time.monotonic()
        out = self.stack.runbook("upgrade")
        self.stack.wait_healthy()
        after = self._quiet_counts()
        expect(
            after == before,
            f"rows changed by the upgrade: "
            f"{ {t: (n, after.get(t)) for t, n in before.items() if after.get(t) != n} }",
        )
        expect("backup: intimacy-" in out, "the upgrade did not back up first")
        return (
            f"pulled, backed up, rebuilt and restarted in {time.monotonic() - started:.0f} s; "
            f"migrate ran; {len(before)} tables unchanged"
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


def fresh_clone(into: Path) -> Path:
    """A clone of this checkout with its uncommitted changes, as a new user would have it."""
    work = into / "intimacy"
    run(["git", "clone", "--quiet", str(ROOT), str(work)])
    diff = run(["git", "diff", "HEAD", "--binary"], cwd=ROOT).stdout
    if diff:
        run(["git", "apply", "--whitespace=nowarn"], cwd=work, input=diff)
    for name in run(["git", "ls-files", "--others", "--exclude-standard"], cwd=ROOT).stdout.split():
        (work / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, work / name)
    return work


def main() -> int:
    begun = time.monotonic()
    tmp = Path(tempfile.mkdtemp(prefix="check-stack-"))
    stack = Stack(fresh_clone(tmp))
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
