import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandParser

from prompts.services import library_load

DEFAULT = Path(__file__).resolve().parents[2] / "library" / "default.json"


class Command(BaseCommand):
    help = "Load (or refresh) the prompt library that ships with the app. Safe to run again."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", nargs="?", default=str(DEFAULT))

    def handle(self, *args: object, path: str, **options: object) -> None:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        prompts, sets = library_load(data=data)
        self.stdout.write(f"Prompt library: {prompts} prompts in {sets} sets.")
