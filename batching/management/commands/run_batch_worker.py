"""`manage.py run_batch_worker`: the batch worker (see batching.worker)."""
import signal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from batching.worker import BatchWorker, ReturnValueBehaviour
from jobservice.messaging.runner import WorkerRunner


class Command(BaseCommand):
    help = "Split batches of work recursively and send one task per item to the target worker."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--input-queue", default=None, help="default BATCH_WORKER_INPUT_QUEUE (batch-in)")
        parser.add_argument("--output-queue", default=None, help="default BATCH_WORKER_OUTPUT_QUEUE (batch-out)")
        parser.add_argument("--paused-queue", default=None,
                            help="where messages of paused jobs go (default CAF_WORKER_PAUSED_QUEUE; '' = none)")
        parser.add_argument("--reject-queue", default=None, help="default worker-batch-reject")
        parser.add_argument("--return-value-behaviour", default=None,
                            choices=[behaviour.value for behaviour in ReturnValueBehaviour])
        # 10: groups of 5 batch tasks share one confirm wait (2 gave groups of one: the worker
        # idled on a confirm after every batch task); more did not measure faster.
        parser.add_argument("--prefetch", type=int, default=10)
        parser.add_argument("--retry-limit", type=int, default=None, help="default CAF_WORKER_RETRY_LIMIT (10)")
        parser.add_argument("--no-diverted-task-checking", action="store_true",
                            help="accept messages addressed to another queue (staging queues)")
        parser.add_argument("--max-messages", type=int, default=None, help="stop after this many (tests)")

    def handle(self, *args: Any, **options: Any) -> None:
        input_queue = options["input_queue"] or settings.BATCH_WORKER_INPUT_QUEUE
        paused_queue = options["paused_queue"]
        worker = BatchWorker(
            input_queue=input_queue,
            return_value_behaviour=options["return_value_behaviour"]
            or settings.BATCH_WORKER_RETURN_VALUE_BEHAVIOUR,
        )
        runner = WorkerRunner(
            worker,
            broker_url=settings.BROKER_URL,
            input_queue=input_queue,
            output_queue=options["output_queue"] or settings.BATCH_WORKER_OUTPUT_QUEUE,
            paused_queue=settings.CAF_WORKER_PAUSED_QUEUE if paused_queue is None else paused_queue,
            reject_queue=options["reject_queue"],
            retry_limit=options["retry_limit"] or settings.CAF_WORKER_RETRY_LIMIT,
            prefetch=options["prefetch"],
            data_dir=Path(settings.BROKER_DATA_DIR),
            queue_type=settings.BROKER_QUEUE_TYPE,
            diverted_task_checking=not options["no_diverted_task_checking"],
            max_messages=options["max_messages"],
        )

        def on_signal(signum: int, frame: object) -> None:
            runner.stop()

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        runner.run()
