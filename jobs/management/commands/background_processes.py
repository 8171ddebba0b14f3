"""Prints the management commands that make up the service besides the API server.

`scripts/serve` starts each of them; a command is listed once its app provides it.
"""
from django.core.management import get_commands
from django.core.management.base import BaseCommand

# Order matters only for start-up logs.
SERVICE_COMMANDS = ["run_scheduler", "run_tracker", "run_batch_worker", "run_example_worker", "run_paused_store"]


class Command(BaseCommand):
    help = "List the background processes of the job service (used by scripts/serve)."

    def handle(self, *args: object, **options: object) -> None:
        available = get_commands()
        for name in SERVICE_COMMANDS:
            if name in available:
                self.stdout.write(name)
