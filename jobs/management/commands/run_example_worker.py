"""`manage.py run_example_worker`: the example worker (jobservice.examples.example_worker)
consuming its input queue with the settings of this service."""
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import CommandParser

from jobs.management.worker_command import WorkerCommand
from jobservice.examples.example_worker import ExampleWorker


class Command(WorkerCommand):
    help = "Run the example worker: text operations (reverse, word count, tags...) on texts or files."
    default_input_queue_setting = "EXAMPLE_WORKER_QUEUE"
    default_output_queue_setting = "EXAMPLE_WORKER_OUTPUT_QUEUE"

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--document-root", default=None, help="default EXAMPLE_WORKER_DOCUMENT_ROOT")

    def build_worker(self, options: dict[str, Any]) -> ExampleWorker:
        return ExampleWorker(document_root=Path(options["document_root"] or settings.EXAMPLE_WORKER_DOCUMENT_ROOT))
