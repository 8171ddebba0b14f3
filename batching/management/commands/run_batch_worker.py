"""`manage.py run_batch_worker`: the batch worker (see batching.worker)."""
from typing import Any

from django.conf import settings
from django.core.management.base import CommandParser

from batching.worker import BatchWorker, ReturnValueBehaviour
from jobs.management.worker_command import WorkerCommand


class Command(WorkerCommand):
    help = "Split batches of work recursively and send one task per item to the target worker."
    default_input_queue_setting = "BATCH_WORKER_INPUT_QUEUE"
    default_output_queue_setting = "BATCH_WORKER_OUTPUT_QUEUE"
    # 10: groups of 5 batch tasks share one confirm wait (2 gave groups of one: the worker
    # idled on a confirm after every batch task); more did not measure faster.
    default_prefetch = 10

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--return-value-behaviour", default=None,
                            choices=[behaviour.value for behaviour in ReturnValueBehaviour])
        parser.add_argument("--no-diverted-task-checking", action="store_true",
                            help="accept messages addressed to another queue (staging queues)")

    def build_worker(self, options: dict[str, Any]) -> BatchWorker:
        return BatchWorker(
            input_queue=self.input_queue(options),
            return_value_behaviour=options["return_value_behaviour"]
            or settings.BATCH_WORKER_RETURN_VALUE_BEHAVIOUR,
        )

    def runner_options(self, options: dict[str, Any]) -> dict[str, Any]:
        return {"diverted_task_checking": not options["no_diverted_task_checking"]}
