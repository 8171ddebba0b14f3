"""filesystem:// consumers take the files of their queue from one listing: each message once,
also with two consumers on one queue, and messages written after the listing are not missed."""
from __future__ import annotations

from pathlib import Path

from jobservice.messaging.broker import OutgoingMessage, Publisher, QueueDeclarer, connect, message_bytes


def publish(data_dir: Path, queue: str, bodies: list[bytes]) -> None:
    with Publisher("filesystem://", queue_type="", data_dir=data_dir) as publisher:
        publisher.publish_batch([OutgoingMessage(queue, body) for body in bodies])


def test_two_consumers_of_one_queue_take_each_message_once(tmp_path: Path) -> None:
    publish(tmp_path, "shared", [b"%d" % n for n in range(20)])
    publish(tmp_path, "other", [b"not for them"])
    first, second = connect("filesystem://", data_dir=tmp_path), connect("filesystem://", data_dir=tmp_path)
    queues = [QueueDeclarer("").queue("shared")(connection.channel()) for connection in (first, second)]
    taken: list[bytes] = []
    try:
        # Both list the folder at their first get, then take from their (stale) listings in turn.
        while (message := queues[len(taken) % 2].get(no_ack=True)) is not None or \
                (message := queues[(len(taken) + 1) % 2].get(no_ack=True)) is not None:
            taken.append(message_bytes(message))
    finally:
        first.release()
        second.release()

    assert sorted(taken) == sorted(b"%d" % n for n in range(20))


def test_a_message_written_after_the_listing_is_taken_once_the_listing_is_used_up(tmp_path: Path) -> None:
    publish(tmp_path, "q", [b"early"])
    with connect("filesystem://", data_dir=tmp_path) as connection:
        queue = QueueDeclarer("").queue("q")(connection.channel())
        assert message_bytes(queue.get(no_ack=True)) == b"early"
        publish(tmp_path, "q", [b"late"])
        assert message_bytes(queue.get(no_ack=True)) == b"late"
        assert queue.get(no_ack=True) is None
