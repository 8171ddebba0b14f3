"""A bare baseline for bench/pipeline_bench.py: the same message traffic as the pipeline, with
nothing but kombu and psycopg.

Per item: one item message to the worker queue; the worker publishes one result and one
tracking report and acks; the "tracker" writes completions to a table in batches (one
transaction per up to 1000 reports or 200 ms) and acks after the commit. No status checks,
no ids, no roll-up, no confirms: the floor of what moving these messages costs here.

    python bench/pipeline_baseline.py worker <amqp-url> <tag>
    python bench/pipeline_baseline.py tracker <amqp-url> <postgres-url> <tag>
(started by pipeline_bench.py, which publishes the items and waits for the completions)
"""
from __future__ import annotations

import json
import signal
import sys
import time
from typing import Any

import psycopg
from kombu import Connection, Consumer, Exchange, Producer, Queue

DEFAULT_EXCHANGE = Exchange("", type="direct")


def queue(name: str) -> Queue:
    return Queue(name, exchange=DEFAULT_EXCHANGE, routing_key=name, durable=True, auto_delete=False,
                 queue_arguments={"x-queue-type": "classic"})


def names(tag: str) -> dict[str, str]:
    return {role: f"baseline-{tag}-{role}" for role in ("items", "results", "reports")}


def run_worker(url: str, tag: str) -> None:
    queues = names(tag)
    stop = False

    def on_signal(*_: Any) -> None:
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, on_signal)
    with Connection(url) as connection, Connection(url) as out:
        producer = Producer(out.channel(), exchange=DEFAULT_EXCHANGE)
        for name in queues.values():
            queue(name)(out.default_channel).declare()

        def on_message(body: Any, message: Any) -> None:
            item = json.loads(body)
            result = json.dumps({"result": str(item["n"])[::-1], "taskId": item["taskId"]})
            report = json.dumps({"trackingReports": [{"jobTaskId": item["taskId"], "status": "Complete"}]})
            producer.publish(result, routing_key=queues["results"], delivery_mode=2, content_type="text/plain",
                             serializer=None)
            producer.publish(report, routing_key=queues["reports"], delivery_mode=2, content_type="text/plain",
                             serializer=None)
            message.ack()

        consumer = Consumer(connection.channel(), queues=[queue(queues["items"])], callbacks=[on_message],
                            accept=None, prefetch_count=20)
        with consumer:
            while not stop:
                try:
                    connection.drain_events(timeout=1)
                except TimeoutError:
                    continue


def run_tracker(url: str, database_url: str, tag: str) -> None:
    queues = names(tag)
    stop = False

    def on_signal(*_: Any) -> None:
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, on_signal)
    buffer: list[Any] = []
    with psycopg.connect(database_url) as db, Connection(url) as connection:
        consumer = Consumer(connection.channel(), queues=[queue(queues["reports"])],
                            on_message=buffer.append, prefetch_count=2000)
        with consumer:
            while not stop:
                deadline = None
                while len(buffer) < 1000:
                    if buffer and deadline is None:
                        deadline = time.monotonic() + 0.2
                    timeout = deadline - time.monotonic() if deadline else 1.0
                    if timeout <= 0:
                        break
                    try:
                        connection.drain_events(timeout=timeout)
                    except TimeoutError:
                        break
                if not buffer:
                    continue
                rows = [(report["jobTaskId"],) for message in buffer
                        for report in json.loads(message.body)["trackingReports"]]
                with db.cursor() as cursor:
                    cursor.executemany(
                        "INSERT INTO baseline_completion (task_id) VALUES (%s) ON CONFLICT DO NOTHING", rows
                    )
                db.commit()
                for message in buffer:
                    message.ack()
                buffer.clear()


if __name__ == "__main__":
    role = sys.argv[1]
    if role == "worker":
        run_worker(sys.argv[2], sys.argv[3])
    elif role == "tracker":
        run_tracker(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        raise SystemExit(f"unknown role {role}")
