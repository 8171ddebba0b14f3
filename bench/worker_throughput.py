"""Measures how many tasks a worker runner handles per second, end to end through the broker.

    BROKER_URL=amqp://guest:guest@127.0.0.1:5672// .venv/bin/python bench/worker_throughput.py \
        [--tasks 5000] [--prefetch 100] [--batch-size 50] [--tracked] [--queue-type classic]

Publishes the tasks (the example worker's REVERSE of a short text) to a fresh input queue,
then runs a WorkerRunner until it has handled all of them and prints tasks/s. Each task
costs a decode, the worker, the publish of its result (plus one tracking report with
--tracked, merged with the other reports of its group) and the ack; the outputs of a group
of deliveries are confirmed together before their acks. Without BROKER_URL it uses
filesystem:// in a temp folder. The queues are deleted afterwards (RabbitMQ).

Measured on the 2-core development machine (shared, load average 4-8; tasks/s, 5,000
tracked tasks, prefetch 100): one confirm per delivery (before) -> grouped confirms:
RabbitMQ quorum ~320 -> ~2,000-3,000, classic ~580 -> ~2,500-3,500, filesystem ~340 -> ~2,300.
"""
from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from jobservice.examples.example_worker import ExampleWorker  # noqa: E402
from jobservice.messaging.broker import OutgoingMessage, Publisher, connect  # noqa: E402
from jobservice.messaging.messages import TaskMessage, TaskStatus, TrackingInfo  # noqa: E402
from jobservice.messaging.runner import DEFAULT_PREFETCH, WorkerRunner  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tasks", type=int, default=5000)
    parser.add_argument("--prefetch", type=int, default=DEFAULT_PREFETCH)
    parser.add_argument("--batch-size", type=int, default=None, help="default: half the prefetch")
    parser.add_argument("--tracked", action="store_true", help="tracked tasks: one report each")
    parser.add_argument("--queue-type", default=os.environ.get("CAF_RABBITMQ_QUEUE_TYPE", "quorum"))
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)

    url = os.environ.get("BROKER_URL", "filesystem://")
    data_dir = Path(tempfile.mkdtemp(prefix="worker-bench-"))
    suffix = uuid.uuid4().hex[:8]
    queues = {role: f"bench-{role}-{suffix}" for role in ("in", "out", "track", "reject")}

    tracking = TrackingInfo("bench:J1", None, 0, None, queues["track"], queues["out"]) if args.tracked else None
    with Publisher(url, queue_type=args.queue_type, data_dir=data_dir) as publisher:
        batch = [
            OutgoingMessage(queues["in"], TaskMessage(
                task_id=f"t{n}", task_classifier="ExampleWorker", task_api_version=1,
                task_data=b'{"action": "REVERSE", "text": "the quick brown fox"}',
                task_status=TaskStatus.NEW_TASK, to=queues["in"], tracking=tracking,
            ).encode())
            for n in range(args.tasks)
        ]
        for start in range(0, len(batch), 1000):
            publisher.publish_batch(batch[start:start + 1000])

    runner = WorkerRunner(
        ExampleWorker(), broker_url=url, input_queue=queues["in"], output_queue=queues["out"],
        reject_queue=queues["reject"], prefetch=args.prefetch, data_dir=data_dir,
        queue_type=args.queue_type, max_messages=args.tasks, batch_size=args.batch_size,
    )
    logging.getLogger("jobservice.messaging.runner").setLevel(logging.WARNING)
    started = time.monotonic()
    runner.run()
    elapsed = time.monotonic() - started
    print(f"{url.split('://')[0]}: {args.tasks} {'tracked ' if args.tracked else ''}tasks in "
          f"{elapsed:.2f} s = {args.tasks / elapsed:.0f} tasks/s (prefetch {args.prefetch}, "
          f"groups of up to {runner.batch_size})")

    if url.startswith("amqp"):
        with connect(url) as connection:
            channel = connection.channel()
            for name in queues.values():
                channel.queue_delete(name)


if __name__ == "__main__":
    main()
