from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from checkins.demo import DEMO_DOMAIN, DEMO_PASSWORD, create_demo_couples


class Command(BaseCommand):
    help = "Create demo couples with a history of check-ins (for trying the app and benchmarks)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--couples", type=int, default=3)
        parser.add_argument("--days", type=int, default=120)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Run with DEBUG off (benchmarks only: demo accounts share a known password).",
        )

    def handle(self, *args: object, couples: int, days: int, seed: int, **options: object) -> None:
        if not settings.DEBUG and not options["allow_production"]:
            raise CommandError(
                "Demo accounts share a known password: refusing with DEBUG off. "
                "Pass --allow-production for a benchmark server."
            )
        first, written = create_demo_couples(couples=couples, days=days, seed=seed)
        self.stdout.write(
            f"Created {couples} couples and {written} check-ins. Log in as "
            f"demo-{first}-a@{DEMO_DOMAIN} (or -b, or another number) with password "
            f"{DEMO_PASSWORD!r}."
        )
