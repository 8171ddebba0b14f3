"""`manage.py run_tracker`: the job tracking worker (tracking.consumer does the work)."""
import logging
import signal
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from tracking.consumer import TrackerConsumer, TrackerOptions
from tracking.intake import TrackerQueues


class Command(BaseCommand):
    help = "Consume the tracking pipe: apply workers' progress reports, release dependent jobs."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--queue", default=None, help="input queue (default CAF_TRACKING_PIPE)")
        parser.add_argument("--batch-size", type=int, default=1000, help="messages per transaction")
        parser.add_argument("--batch-ms", type=int, default=200, help="longest wait to fill a batch")
        parser.add_argument("--prefetch", type=int, default=2000)
        parser.add_argument("--sweep-seconds", type=float, default=10.0, help="cleanup sweep period")
        parser.add_argument("--max-messages", type=int, default=None, help="stop after N messages (tests)")
        parser.add_argument("--idle-exit", type=float, default=None, help="stop after S seconds idle (tests)")

    def handle(self, *args: Any, **options: Any) -> None:
        if not logging.getLogger().handlers:
            logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
        queues = TrackerQueues(
            input=options["queue"] or settings.CAF_TRACKING_PIPE,
            reject=settings.CAF_TRACKING_REJECT_QUEUE,
            error=settings.CAF_TRACKING_ERROR_QUEUE,
        )
        consumer = TrackerConsumer(
            TrackerOptions(
                broker_url=settings.BROKER_URL,
                data_dir=settings.BROKER_DATA_DIR,
                queue_type=settings.BROKER_QUEUE_TYPE,
                queues=queues,
                batch_size=options["batch_size"],
                batch_seconds=options["batch_ms"] / 1000,
                prefetch=options["prefetch"],
                sweep_seconds=options["sweep_seconds"],
                max_messages=options["max_messages"],
                idle_exit=options["idle_exit"],
            )
        )
        signal.signal(signal.SIGTERM, consumer.stop)
        signal.signal(signal.SIGINT, consumer.stop)
        consumer.run()
