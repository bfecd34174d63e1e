"""Releases: which one the upgrade test starts from, its code from git history, and a Python
that runs that code with the dependencies it locked."""

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)
CHANGELOG = BASE_DIR / "CHANGELOG.md"
HEADING = re.compile(
    r"^## (?P<version>\d+\.\d+\.\d+) — (?P<date>\d{4}-\d{2}-\d{2})"
    r" — commit (?P<commit>[0-9a-f]{40})$"
)
UNRELEASED = "## Unreleased"


class ChangelogError(ValueError):
    """A second-level heading of CHANGELOG.md that names no release in the expected form."""


@dataclass(frozen=True)
class Release:
    version: str
    date: str
    commit: str
    # Everything CHANGELOG.md says above this release's heading: what changed since.
    notes_since: str

    def __str__(self) -> str:
        return f"{self.version} ({self.commit[:7]})"


def releases(text: str) -> list[Release]:
    """The releases CHANGELOG.md names, newest first (as the file lists them).

    Each release is a second-level heading of exactly this form, with the full hash of the
    commit of `main` that is the release (an em dash on either side of the date):

        ## 0.2.0 — 2027-01-15 — commit 0123456789abcdef0123456789abcdef01234567

    `## Unreleased` (what `main` has that no release has yet) may sit above them. Any other
    second-level heading is an error, so that a mistyped release is never skipped silently.
    """
    found = []
    lines = text.splitlines()
    for n, line in enumerate(lines):
        if not line.startswith("## ") or line.strip() == UNRELEASED:
            continue
        match = HEADING.match(line.strip())
        if match is None:
            raise ChangelogError(
                f"CHANGELOG.md line {n + 1} is not a release heading of the form "
                f"'## 1.2.3 — YYYY-MM-DD — commit <40-hex hash>': {line!r}"
            )
        found.append(Release(**match.groupdict(), notes_since="\n".join(lines[:n])))
    return found


def git(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", "-C", str(BASE_DIR), *args], capture_output=True, text=True, check=False
    )


def has_commit(commit: str) -> bool:
    return git("cat-file", "-e", f"{commit}^{{commit}}").returncode == 0


def is_head_content(commit: str) -> bool:
    """Whether `commit` holds what HEAD holds, apart from documentation (the commit that names
    a release in CHANGELOG.md comes after the release and differs from it in Markdown only)."""
    return git("diff", "--quiet", commit, "HEAD", "--", ".", ":(exclude)*.md").returncode == 0


def previous_release(text: str) -> Release | None:
    """The newest release whose code is not HEAD's: the one a deploy of HEAD upgrades from.

    Raises LookupError when a release's commit is not in this clone (a shallow clone)."""
    for release in releases(text):
        if not has_commit(release.commit):
            raise LookupError(
                f"Release {release.version}'s commit {release.commit} is not in this clone of "
                "the repository (a shallow clone?). The upgrade test builds that release from "
                "git history: run `git fetch --unshallow` (in CI, check out with full history, "
                "e.g. fetch-depth: 0)."
            )
        if not is_head_content(release.commit):
            return release
    return None


def extract(commit: str, into: Path) -> Path:
    """The release's tree, as `git archive` gives it (tracked files only), in `into`."""
    into.mkdir(parents=True)
    archive = subprocess.Popen(
        ["git", "-C", str(BASE_DIR), "archive", "--format=tar", commit], stdout=subprocess.PIPE
    )
    subprocess.run(["tar", "-x", "-C", str(into)], stdin=archive.stdout, check=True)
    assert archive.wait() == 0, f"git archive {commit} failed"
    return into


def uv() -> str:
    """uv as the Makefile finds it: on PATH, else the private copy `make install` made."""
    for candidate in (shutil.which("uv"), BASE_DIR / ".uv/bin/uv", BASE_DIR / ".venv/bin/uv"):
        if candidate and Path(candidate).is_file():
            return str(candidate)
    raise FileNotFoundError("uv is neither on PATH nor in .uv/bin or .venv/bin: run make install")


def own_venv(tree: Path, venv: Path) -> Path:
    """Install the dependencies `tree` locked (uv.lock, runtime only) into `venv`; its Python."""
    result = subprocess.run(
        [uv(), "sync", "--frozen", "--no-dev", "--quiet", "--project", str(tree)],
        env={**uv_env(), "UV_PROJECT_ENVIRONMENT": str(venv)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, f"uv sync of the release's uv.lock failed:\n{result.stderr}"
    return venv / "bin" / "python"


def python_for(tree: Path, venv: Path) -> tuple[Path, str]:
    """A Python with the dependencies the release locked, and how it was found: this venv's
    when its uv.lock is the current one byte for byte, else a venv of its own at `venv`."""
    if (tree / "uv.lock").read_bytes() == (BASE_DIR / "uv.lock").read_bytes():
        return Path(sys.executable), "the current venv (same uv.lock)"
    return own_venv(tree, venv), "a venv of its own (its uv.lock differs)"


def inherited_env() -> dict[str, str]:
    """What a subprocess may take from this process's environment."""
    return {k: v for k, v in os.environ.items() if k in PASS_THROUGH}


def uv_env() -> dict[str, str]:
    # As the Makefile runs uv: no Python downloads, copies not links, the system's certificates.
    own = {k: v for k, v in os.environ.items() if k.startswith("UV_")}
    return {
        **inherited_env(),
        **own,
        "UV_PYTHON_DOWNLOADS": "never",
        "UV_LINK_MODE": "copy",
        "UV_NATIVE_TLS": "1",
    }


def app_env(*, database_url: str) -> dict[str, str]:
    """What the app's processes get: the database, fixed keys and DEBUG (the demo command wants
    it), nothing else of this process: no DJANGO_SETTINGS_MODULE (so the base settings), no
    REDIS_URL (the cache and broker are files in the tree's own data/ folder), no .env."""
    return {
        **inherited_env(),
        **KEYS,
        "DATABASE_URL": database_url,
        "READ_DOT_ENV": "false",
        "DEBUG": "true",
        "EMAIL_URL": "memorymail://",
        "ALLOWED_HOSTS": "testserver",
        "LOG_LEVEL": "WARNING",
        "PYTHONDONTWRITEBYTECODE": "1",
    }


def run_manage(
    python: Path | str, tree: Path, *args: str, env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(python), "manage.py", *args],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def manage(python: Path | str, tree: Path, *args: str, env: dict[str, str]) -> str:
    """Run `manage.py` of `tree` with `python`; its output, or a failure with its last words."""
    result = run_manage(python, tree, *args, env=env)
    assert result.returncode == 0, (
        f"`manage.py {' '.join(args)[:120]}` failed in {tree}:\n"
        f"{result.stdout[-2000:]}\n{result.stderr[-6000:]}"
    )
    return result.stdout


# Fixed keys, so that the current code decrypts what the previous release encrypted.
KEYS = {
    "SECRET_KEY": "upgrade-test-only-not-secret-0123456789abcdefghijklmnopqrstuvwxyz",
    "FIELD_ENCRYPTION_KEYS": "dXBncmFkZS10ZXN0LW9ubHktZmllbGQta2V5LTAxMjM=",
}
# What a subprocess may inherit from this one: how to find programs, files and certificates,
# never a setting the app reads (those are given explicitly).
PASS_THROUGH = {
    "PATH",
    "HOME",
    "LANG",
    "LC_ALL",
    "LC_CTYPE",
    "TMPDIR",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "REQUESTS_CA_BUNDLE",
    "PIP_FIND_LINKS",
    "PIP_CERT",
}
