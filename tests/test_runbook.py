"""The README's "Deploying" section is a runbook that `make check-stack` runs as written: every
command block in it is marked for the check, and the check runs every marked block."""

import re

from django.conf import settings

MARKED = re.compile(r"<!-- check-stack: ([\w-]+) -->\s*```sh\n")


def deploying() -> str:
    readme = (settings.BASE_DIR / "README.md").read_text()
    return readme[readme.index("\n## Deploying") : readme.index("\n## Benchmarks")]


def test_every_command_block_of_the_runbook_is_run_by_check_stack():
    section = deploying()
    blocks = section.count("```sh\n")
    marked = MARKED.findall(section)
    assert blocks >= 10
    assert len(marked) == blocks, "a ```sh block under Deploying has no check-stack marker"
    assert len(set(marked)) == len(marked)
    check = (settings.BASE_DIR / "tests/stack/check_stack.py").read_text()
    run = set(re.findall(r'runbook\(\s*"([\w-]+)"', check))
    assert set(marked) == run, f"marked but never run: {set(marked) - run}"
