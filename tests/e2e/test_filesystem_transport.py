"""The embedded broker between processes: a message file is visible only once written whole."""
import os
from pathlib import Path

from jobservice.messaging import fs_transport
from jobservice.messaging.broker import OutgoingMessage, Publisher, QueueDeclarer, connect, message_bytes


def test_a_message_file_appears_under_its_queue_name_only_when_complete(tmp_path: Path, monkeypatch) -> None:
    folder = tmp_path / "queue"
    seen_while_writing: list[list[str]] = []
    real_dumps = fs_transport.dumps

    def dumps_and_look(payload):
        # Called while the file is being written: what could a consumer take right now?
        seen_while_writing.append([name for name in os.listdir(folder) if ".q1.msg" in name])
        return real_dumps(payload)

    monkeypatch.setattr(fs_transport, "dumps", dumps_and_look)
    with Publisher("filesystem://", queue_type="", data_dir=tmp_path) as publisher:
        publisher.publish_batch([OutgoingMessage("q1", b"one"), OutgoingMessage("q1", b"two")])
    # While message k is written only the k-1 earlier ones can be taken, never message k.
    assert [len(names) for names in seen_while_writing] == [0, 1]

    connection = connect("filesystem://", data_dir=tmp_path)
    queue = QueueDeclarer("").queue("q1")(connection.channel())
    bodies = sorted(message_bytes(queue.get(no_ack=True)) for _ in range(2))
    connection.release()
    assert bodies == [b"one", b"two"]
    assert not [name for name in os.listdir(folder) if name.endswith(".tmp")]
