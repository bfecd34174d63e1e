"""The compose stack of `make check-stack`, driven as its README runbook says.

A fresh clone's `docker-compose.yml` (with tests/stack/compose.override.yml for a mail server
inside the stack) on podman's Docker-compatible API, through docker-compose 1.29; the README's
runbook blocks run as written; health checks run by hand, as podman without systemd runs none.
Python's standard library only.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent


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

    def __init__(self, workdir: Path, *, lease_seconds: int) -> None:
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
            "NUDGE_LEASE_SECONDS": str(lease_seconds),
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
