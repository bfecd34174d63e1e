"""Which release the upgrade test starts from (CHANGELOG.md's headings, git history), and the
Python that runs it."""

import re
import subprocess

import pytest

from . import releases
from .releases import CHANGELOG, ChangelogError

HEAD = releases.git("rev-parse", "HEAD").stdout.strip()
A, B = "a" * 40, "b" * 40


def changelog(*headings: str) -> str:
    return "\n\n".join(["# Changelog", "## Unreleased", "- Something new.", *headings, "- Text."])


def test_changelog_headings_name_releases_newest_first():
    text = changelog(f"## 0.2.0 — 2027-01-15 — commit {A}", f"## 0.1.0 — 2026-11-30 — commit {B}")
    found = releases.releases(text)
    assert [(r.version, r.date, r.commit) for r in found] == [
        ("0.2.0", "2027-01-15", A),
        ("0.1.0", "2026-11-30", B),
    ]
    # What the changelog says since a release: everything above its heading.
    assert "Something new" in found[0].notes_since
    assert "0.2.0" not in found[0].notes_since
    assert "0.2.0" in found[1].notes_since


@pytest.mark.parametrize(
    "heading",
    [
        f"## 0.2.0 - 2027-01-15 - commit {A}",  # hyphens, not em dashes
        "## 0.2.0 — 2027-01-15 — commit aaaaaaa",  # a short hash
        "## Release notes",
    ],
)
def test_a_heading_that_is_not_a_release_in_the_format_is_an_error_not_skipped(heading):
    with pytest.raises(ChangelogError, match="line 9"):
        releases.releases(changelog(f"## 0.3.0 — 2027-02-01 — commit {A}", heading))


def test_the_real_changelog_names_its_releases_in_the_format():
    assert releases.releases(CHANGELOG.read_text(encoding="utf-8"))


def test_a_release_whose_code_is_heads_is_passed_over_for_the_one_before():
    first = releases.releases(CHANGELOG.read_text(encoding="utf-8"))[-1]
    text = changelog(
        f"## 9.9.9 — 2027-01-01 — commit {HEAD}",
        f"## {first.version} — {first.date} — commit {first.commit}",
    )
    assert releases.previous_release(text).version == first.version


def test_a_release_missing_from_the_clone_fails_saying_how_to_fetch_it():
    with pytest.raises(LookupError, match="git fetch --unshallow"):
        releases.previous_release(changelog(f"## 0.1.0 — 2026-11-30 — commit {'0' * 40}"))


def test_a_release_with_other_locked_dependencies_runs_in_a_venv_of_its_own(tmp_path):
    first = releases.releases(CHANGELOG.read_text(encoding="utf-8"))[-1]
    tree = releases.extract(first.commit, tmp_path / "tree")
    # Today every release has the current uv.lock, which takes the other path: take this one.
    python = releases.own_venv(tree, tmp_path / "venv")
    locked = re.search(r'name = "django"\nversion = "([^"]+)"', (tree / "uv.lock").read_text())
    run = subprocess.run(
        [str(python), "-c", "import sys, django; print(sys.prefix, django.__version__)"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert run.stdout.split() == [str(tmp_path / "venv"), locked.group(1)]
    env = releases.app_env(database_url=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    assert "System check identified no issues" in releases.manage(python, tree, "check", env=env)
