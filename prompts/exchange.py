"""A prompt set as JSON: the documented format coaches import and export (README, "Prompt sets
as JSON"). Reading a file only validates; writing happens in services.set_import."""

import json
from dataclasses import dataclass
from typing import Any

from .models import Depth, Kind, Layer, Prompt, PromptSet

FORMAT_VERSION = 1
MAX_PROMPTS = 200


class SetFileError(ValueError):
    """What is wrong with an import file, in words for the coach."""


@dataclass(frozen=True)
class SetData:
    title: str
    description: str
    audience: str
    prompts: list[dict[str, Any]]


def set_to_json(*, prompt_set: PromptSet, prompts: list[Prompt]) -> dict[str, Any]:
    return {
        "format": "intimacy.prompt-set",
        "version": FORMAT_VERSION,
        "title": prompt_set.title,
        "description": prompt_set.description,
        "audience": prompt_set.audience,
        "prompts": [
            {
                "text": p.text,
                "kind": p.kind,
                "layer": p.layer,
                "depth": p.depth,
                "minutes": p.minutes,
                "tags": list(p.tags),
            }
            for p in prompts
        ],
    }


def _text(item: dict[str, Any], name: str, limit: int, where: str, *, required: bool) -> str:
    value = item.get(name, "")
    if not isinstance(value, str):
        raise SetFileError(f"{where}: \u201c{name}\u201d should be text.")
    value = value.strip()
    if required and not value:
        raise SetFileError(f"{where}: \u201c{name}\u201d is missing.")
    if len(value) > limit:
        raise SetFileError(f"{where}: \u201c{name}\u201d is longer than {limit} characters.")
    if "\x00" in value:
        raise SetFileError(f"{where}: \u201c{name}\u201d holds a character text can't hold.")
    return value


def _choice(item: dict[str, Any], name: str, allowed: list[str], where: str) -> str:
    value = item.get(name)
    if value not in allowed:
        raise SetFileError(f"{where}: \u201c{name}\u201d must be one of {', '.join(allowed)}.")
    return value


def parse_set(raw: bytes) -> SetData:
    """Check an uploaded file against the format; any problem is an SetFileError naming it."""
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        # ValueError covers bad JSON and numbers too long to read; RecursionError, deep nesting.
        raise SetFileError(
            "This file isn't JSON we can read. Export a set to see the format."
        ) from exc
    if not isinstance(data, dict) or data.get("format") != "intimacy.prompt-set":
        raise SetFileError("This isn't a prompt set exported from Intimacy.")
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version != FORMAT_VERSION:
        shown = repr(version)
        shown = shown if len(shown) <= 20 else shown[:20] + "…"
        raise SetFileError(f"This file is version {shown}; we read version 1.")
    prompts = data.get("prompts")
    if not isinstance(prompts, list) or not prompts:
        raise SetFileError("The set has no prompts.")
    if len(prompts) > MAX_PROMPTS:
        raise SetFileError(f"A set can hold at most {MAX_PROMPTS} prompts.")
    checked = []
    for n, item in enumerate(prompts, start=1):
        where = f"Prompt {n}"
        if not isinstance(item, dict):
            raise SetFileError(f"{where} isn't a prompt.")
        minutes = item.get("minutes", 10)
        if not isinstance(minutes, int) or isinstance(minutes, bool) or not 1 <= minutes <= 180:
            raise SetFileError(
                f"{where}: \u201cminutes\u201d must be a whole number from 1 to 180."
            )
        tags = item.get("tags", [])
        if (
            not isinstance(tags, list)
            or len(tags) > 10
            or not all(isinstance(t, str) and 0 < len(t) <= 40 and "\x00" not in t for t in tags)
        ):
            raise SetFileError(
                f"{where}: \u201ctags\u201d must be a list of up to ten short words."
            )
        checked.append(
            {
                "text": _text(item, "text", 600, where, required=True),
                "kind": _choice(item, "kind", Kind.values, where),
                "layer": _choice(item, "layer", Layer.values, where),
                "depth": _choice(item, "depth", Depth.values, where),
                "minutes": minutes,
                "tags": tags,
            }
        )
    return SetData(
        title=_text(data, "title", 120, "The set", required=True),
        description=_text(data, "description", 1000, "The set", required=False),
        audience=_text(data, "audience", 120, "The set", required=False),
        prompts=checked,
    )
