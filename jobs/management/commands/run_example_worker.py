"""`manage.py run_example_worker`: the example worker (jobservice.examples.example_worker)
consuming its input queue with the settings of this service."""
import signal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from jobservice.examples.example_worker import ExampleWorker
from jobservice.messaging.runner import DEFAULT_PREFETCH, WorkerRunner


class Command(BaseCommand):
    help = "Run the example worker: text operations (reverse, word count, tags...) on texts or files."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--input-queue", default=None, help="default EXAMPLE_WORKER_QUEUE")
        parser.add_argument("--output-queue", default=None, help="default EXAMPLE_WORKER_OUTPUT_QUEUE")
        parser.add_argument("--paused-queue", default=None,
                            help='default CAF_WORKER_PAUSED_QUEUE; "" processes paused jobs\' tasks')
        parser.add_argument("--reject-queue", default=None, help="default ExampleWorker-reject")
        parser.add_argument("--retry-limit", type=int, default=None, help="default CAF_WORKER_RETRY_LIMIT")
        parser.add_argument("--prefetch", type=int, default=DEFAULT_PREFETCH)
        parser.add_argument("--document-root", default=None, help="default EXAMPLE_WORKER_DOCUMENT_ROOT")
        parser.add_argument("--max-messages", type=int, default=None, help="stop after this many (tests)")

    def handle(self, *args: Any, **options: Any) -> None:
        paused_queue = options["paused_queue"]
        document_root = Path(options["document_root"] or settings.EXAMPLE_WORKER_DOCUMENT_ROOT)
        runner = WorkerRunner(
            ExampleWorker(document_root=document_root),
            broker_url=settings.BROKER_URL,
            input_queue=options["input_queue"] or settings.EXAMPLE_WORKER_QUEUE,
            output_queue=options["output_queue"] or settings.EXAMPLE_WORKER_OUTPUT_QUEUE,
            paused_queue=settings.CAF_WORKER_PAUSED_QUEUE if paused_queue is None else paused_queue,
            reject_queue=options["reject_queue"],
            retry_limit=options["retry_limit"] or settings.CAF_WORKER_RETRY_LIMIT,
            prefetch=options["prefetch"],
            data_dir=Path(settings.BROKER_DATA_DIR),
            queue_type=settings.BROKER_QUEUE_TYPE,
            max_messages=options["max_messages"],
        )

        def on_signal(signum: int, frame: object) -> None:
            runner.stop()

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        runner.run()
