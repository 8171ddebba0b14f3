"""`manage.py run_paused_store`: keeps the messages workers divert for paused jobs
(see jobs.paused_store)."""
import signal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from jobs.dispatch import close_shared_dispatcher
from jobs.paused_store import PausedStoreConsumer


class Command(BaseCommand):
    help = "Store the messages of paused jobs (from the paused queue) until the jobs are resumed."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--queue", default=None, help="default CAF_WORKER_PAUSED_QUEUE")
        parser.add_argument("--prefetch", type=int, default=100)
        parser.add_argument("--max-messages", type=int, default=None, help="stop after this many (tests)")

    def handle(self, *args: Any, **options: Any) -> None:
        consumer = PausedStoreConsumer(
            url=settings.BROKER_URL,
            queue_name=options["queue"] or settings.CAF_WORKER_PAUSED_QUEUE,
            queue_type=settings.BROKER_QUEUE_TYPE,
            data_dir=Path(settings.BROKER_DATA_DIR),
            prefetch=options["prefetch"],
            max_messages=options["max_messages"],
        )

        def on_signal(signum: int, frame: object) -> None:
            consumer.should_stop = True

        previous = {signum: signal.signal(signum, on_signal) for signum in (signal.SIGTERM, signal.SIGINT)}
        try:
            consumer.run()
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
            consumer.close()
            close_shared_dispatcher()
