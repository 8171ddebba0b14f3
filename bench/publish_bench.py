"""Publishing throughput: our confirmed paths against raw, unconfirmed kombu publishing.

    BROKER_URL=amqp://guest:guest@127.0.0.1:5672// \
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/jobservice_bench \
        .venv/bin/python bench/publish_bench.py -n 20000 [--batch 1000] [--queue-type quorum] [--repeat 3]

Measures, on one RabbitMQ, N task messages each:
  raw       kombu Producer.publish on a plain channel, no confirms (the ceiling);
  publisher Publisher.publish_batch, batches confirmed by the broker;
  dispatch  Dispatcher.dispatch_due from N outbox rows: select with locks, build the task
            messages, publish confirmed, delete the rows, commit (the whole job dispatch).
The database is a throw-away test database (`test_<name>` of DATABASE_URL, created and
dropped here; in-memory SQLite without DATABASE_URL). Queues are created with a unique name
and deleted afterwards. Each measurement is repeated (--repeat) and the best run is kept, as
the machine may be busy with other work. Target: dispatch >= 50% of raw.
"""
from __future__ import annotations

import argparse
import os
import secrets
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jobservice.settings")
# The service refuses to start without a secret key; the processes started here inherit this one.
os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(50))
os.environ.setdefault("JOBSERVICE_DATA_DIR", tempfile.mkdtemp(prefix="publish-bench-"))
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402
from kombu import Producer  # noqa: E402

from jobs.dispatch import DEFAULT_BATCH_SIZE, Dispatcher  # noqa: E402
from jobs.models import Job, JobTask  # noqa: E402
from jobs.task_message import job_task_message  # noqa: E402
from jobservice.messaging.broker import (  # noqa: E402
    CONTENT_TYPE,
    DEFAULT_EXCHANGE,
    PERSISTENT,
    OutgoingMessage,
    Publisher,
    QueueDeclarer,
    connect,
)

TASK_DATA = b'{"text":"the quick brown fox jumps over the lazy dog","action":"REVERSE"}'


def sample_body(number: int) -> bytes:
    return job_task_message(
        partition_id="bench", job_id=f"job{number}", task_classifier="ExampleWorker", task_api_version=1,
        task_data=TASK_DATA, task_pipe="bench", target_pipe="example-out",
    ).encode()


def bench_raw(url: str, queue: str, queue_type: str, n: int) -> float:
    bodies = [sample_body(number) for number in range(n)]
    with connect(url) as conn:
        channel = conn.channel()
        QueueDeclarer(queue_type).queue(queue)(channel).declare()
        producer = Producer(channel, exchange=DEFAULT_EXCHANGE)
        started = time.perf_counter()
        for body in bodies:
            producer.publish(body, routing_key=queue, exchange=DEFAULT_EXCHANGE, content_type=CONTENT_TYPE,
                             content_encoding="utf-8", delivery_mode=PERSISTENT, headers={}, retry=False)
        return time.perf_counter() - started


def bench_publisher(url: str, queue: str, queue_type: str, n: int, batch: int) -> float:
    messages = [OutgoingMessage(queue, sample_body(number), {}) for number in range(n)]
    with Publisher(url, queue_type=queue_type) as publisher:
        publisher.connect()
        started = time.perf_counter()
        for start in range(0, n, batch):
            publisher.publish_batch(messages[start:start + batch])
        return time.perf_counter() - started


def bench_dispatch(url: str, queue: str, queue_type: str, n: int, batch: int) -> float:
    Job.objects.all().delete()  # the previous round's jobs (not timed)
    now = timezone.now()
    jobs = Job.objects.bulk_create(
        (Job(partition_id="bench", job_id=f"job{number}", create_date=now, last_update_date=now, job_hash="h")
         for number in range(n)),
        batch_size=2000,
    )
    JobTask.objects.bulk_create(
        (JobTask(job=job, task_classifier="ExampleWorker", task_api_version=1, task_data=TASK_DATA,
                 task_pipe=queue, target_pipe="example-out", eligible_to_run_date=now) for job in jobs),
        batch_size=2000,
    )
    if connection.vendor == "postgresql":
        # What autovacuum does soon after a burst of inserts: without fresh statistics the
        # planner may sort every due row instead of reading the due-date index in order.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE jobs_job, jobs_jobtask, jobs_jobdependency")
    dispatcher = Dispatcher(Publisher(url, queue_type=queue_type))
    try:
        dispatcher.publisher.connect()
        started = time.perf_counter()
        sent = 0
        while (count := dispatcher.dispatch_due(limit=batch)) > 0:
            sent += count
        elapsed = time.perf_counter() - started
    finally:
        dispatcher.close()
    assert sent == n and not JobTask.objects.exists(), (sent, n)
    return elapsed


def queue_depth(url: str, queue: str) -> int:
    with connect(url) as conn:
        return conn.default_channel.queue_declare(queue=queue, passive=True).message_count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-n", type=int, default=20_000, help="messages per measurement")
    parser.add_argument("--batch", type=int, default=DEFAULT_BATCH_SIZE, help="messages per confirmed batch")
    parser.add_argument("--queue-type", default=settings.BROKER_QUEUE_TYPE, choices=["quorum", "classic"])
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement; the best is kept")
    args = parser.parse_args()
    url = settings.BROKER_URL
    if not url.startswith("amqp"):
        sys.exit("set BROKER_URL=amqp://... (the benchmark measures RabbitMQ publishing)")

    suffix = uuid.uuid4().hex[:8]
    queues = {name: f"bench-{name}-{suffix}" for name in ("raw", "publisher", "dispatch")}
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        results = {name: float("inf") for name in queues}
        for _ in range(args.repeat):
            results["raw"] = min(results["raw"], bench_raw(url, queues["raw"], args.queue_type, args.n))
            results["publisher"] = min(
                results["publisher"], bench_publisher(url, queues["publisher"], args.queue_type, args.n, args.batch)
            )
            results["dispatch"] = min(
                results["dispatch"], bench_dispatch(url, queues["dispatch"], args.queue_type, args.n, args.batch)
            )
        # Unconfirmed raw messages may still be on their way: wait (a little) for them.
        expected = args.n * args.repeat
        deadline = time.monotonic() + 10
        while (depths := {name: queue_depth(url, queue) for name, queue in queues.items()}) and (
            depths["raw"] < expected and time.monotonic() < deadline
        ):
            time.sleep(0.2)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        with connect(url) as conn:
            for queue in queues.values():
                conn.default_channel.queue_delete(queue)

    print(f"{args.n} messages, batch {args.batch}, {args.queue_type} queues, "
          f"database {connection.vendor}, best of {args.repeat}")
    raw_rate = args.n / results["raw"]
    for name, elapsed in results.items():
        rate = args.n / elapsed
        print(f"  {name:<10} {rate:>9,.0f} msg/s  {elapsed:6.2f} s  {rate / raw_rate:6.1%} of raw  "
              f"(queue holds {depths[name]})")


if __name__ == "__main__":
    main()
