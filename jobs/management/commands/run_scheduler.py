"""`manage.py run_scheduler`: publishes due outbox work until stopped (see jobs.scheduler)."""
import signal
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from jobs.dispatch import DEFAULT_BATCH_SIZE, close_shared_dispatcher
from jobs.scheduler import Scheduler


class Command(BaseCommand):
    help = "Publish due job tasks and released paused messages to the broker, every --period seconds."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--period", type=float, default=None,
                            help="seconds between sweeps (default CAF_SCHEDULED_EXECUTOR_PERIOD)")
        parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE,
                            help="rows per transaction")
        parser.add_argument("--once", action="store_true", help="one sweep, then exit")

    def handle(self, *args: Any, **options: Any) -> None:
        scheduler = Scheduler(period=options["period"], batch_size=options["batch_size"])

        def on_signal(signum: int, frame: object) -> None:
            scheduler.stop()

        previous = {signum: signal.signal(signum, on_signal) for signum in (signal.SIGTERM, signal.SIGINT)}
        try:
            scheduler.run(once=options["once"])
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
            close_shared_dispatcher()
