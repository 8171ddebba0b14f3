"""A base for the management commands that run a worker (`run_example_worker`,
`run_batch_worker`, and users' own): the framework's options, the WorkerRunner built from
this service's settings, and a graceful stop on SIGTERM/SIGINT.

    class Command(WorkerCommand):
        help = "..."
        default_input_queue_setting = "MY_WORKER_QUEUE"
        default_output_queue_setting = "MY_WORKER_OUTPUT_QUEUE"

        def build_worker(self, options):
            return MyWorker()
"""
import signal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from jobservice.messaging.runner import DEFAULT_PREFETCH, WorkerRunner
from jobservice.messaging.status_check import StatusChecker, StatusUrlPolicy
from jobservice.messaging.worker import Worker


class WorkerCommand(BaseCommand):
    default_input_queue_setting: str
    default_output_queue_setting: str
    default_prefetch = DEFAULT_PREFETCH

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--input-queue", default=None, help=f"default {self.default_input_queue_setting}")
        parser.add_argument("--output-queue", default=None, help=f"default {self.default_output_queue_setting}")
        parser.add_argument("--paused-queue", default=None,
                            help="where messages of paused jobs go (default CAF_WORKER_PAUSED_QUEUE; "
                                 "'' processes paused jobs' tasks)")
        parser.add_argument("--reject-queue", default=None, help="default <worker name>-reject")
        parser.add_argument("--retry-limit", type=int, default=None, help="default CAF_WORKER_RETRY_LIMIT (10)")
        parser.add_argument("--prefetch", type=int, default=self.default_prefetch)
        parser.add_argument("--max-messages", type=int, default=None, help="stop after this many (tests)")

    def build_worker(self, options: dict[str, Any]) -> Worker:
        raise NotImplementedError

    def input_queue(self, options: dict[str, Any]) -> str:
        return options["input_queue"] or getattr(settings, self.default_input_queue_setting)

    def runner_options(self, options: dict[str, Any]) -> dict[str, Any]:
        """Extra keyword arguments of WorkerRunner for this worker."""
        return {}

    def handle(self, *args: Any, **options: Any) -> None:
        paused_queue = options["paused_queue"]
        runner = WorkerRunner(
            self.build_worker(options),
            broker_url=settings.BROKER_URL,
            input_queue=self.input_queue(options),
            output_queue=options["output_queue"] or getattr(settings, self.default_output_queue_setting),
            paused_queue=settings.CAF_WORKER_PAUSED_QUEUE if paused_queue is None else paused_queue,
            reject_queue=options["reject_queue"],
            retry_limit=options["retry_limit"] or settings.CAF_WORKER_RETRY_LIMIT,
            prefetch=options["prefetch"],
            data_dir=Path(settings.BROKER_DATA_DIR),
            queue_type=settings.BROKER_QUEUE_TYPE,
            max_messages=options["max_messages"],
            status_checker=StatusChecker(url_policy=StatusUrlPolicy(
                [settings.CAF_WEBSERVICE_URL, *settings.CAF_STATUS_CHECK_ALLOWED_URL_PREFIXES]
            )),
            **self.runner_options(options),
        )

        def on_signal(signum: int, frame: object) -> None:
            runner.stop()  # finishes the current group, then returns from run()

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        runner.run()
