"""The outputs of a group of deliveries: one publish, reports merged and first, failures
traced back to exactly the deliveries they belong to."""
from __future__ import annotations

import pytest

from jobservice.messaging.broker import OutgoingMessage, PublishError
from jobservice.messaging.messages import ReportStatus, TrackingReport, decode_task_message, decode_tracking_reports
from jobservice.messaging.output_batch import OutputBatch, merge_reports
from jobservice.messaging.responses import ReportBuffer


class Publish:
    """Records each batch; refuses the positions listed in `refuse` (once)."""

    def __init__(self, refuse: frozenset[int] | None = None, fail_all: bool = False) -> None:
        self.batches: list[list[OutgoingMessage]] = []
        self.refuse = refuse
        self.fail_all = fail_all

    def __call__(self, batch: list[OutgoingMessage]) -> int:
        self.batches.append(list(batch))
        if self.fail_all:
            self.fail_all = False
            raise PublishError("connection lost")
        if self.refuse:
            refuse, self.refuse = self.refuse, None
            raise PublishError("broker refused", unconfirmed=refuse)
        return len(batch)


def report_message(job_task_id: str, pipe: str = "pipe", correlation_id: str | None = None) -> OutgoingMessage:
    emitted: list[OutgoingMessage] = []
    buffer = ReportBuffer(emitted.append, correlation_id=correlation_id)
    buffer.add(TrackingReport(job_task_id, ReportStatus.COMPLETE, 0), pipe)
    buffer.flush()
    return emitted[0]


def deliver(batch: OutputBatch, owner: int, *messages: OutgoingMessage) -> None:
    batch.begin(owner)
    batch.add(list(messages))


def test_a_group_is_published_once_with_the_reports_merged_and_first():
    publish = Publish()
    batch = OutputBatch(publish)
    for n in range(3):
        deliver(batch, n, report_message(f"p:J{n}"), OutgoingMessage("out", b"result %d" % n))
    assert publish.batches == []  # nothing before the group is settled

    batch.flush()

    [published] = publish.batches
    assert [m.queue for m in published] == ["pipe", "out", "out", "out"]
    assert [m.body for m in published[1:]] == [b"result 0", b"result 1", b"result 2"]
    merged = decode_task_message(published[0].body)
    assert merged.task_classifier == "TrackingReportTask"
    assert [r.job_task_id for r in decode_tracking_reports(merged.task_data)] == ["p:J0", "p:J1", "p:J2"]
    assert batch.failed == set()


def test_reports_are_merged_per_pipe_and_correlation_id_only():
    collected = [
        (0, report_message("p:J0", correlation_id="a")),
        (1, report_message("p:J1", correlation_id="b")),
        (2, report_message("p:J2", pipe="other", correlation_id="a")),
        (3, report_message("p:J3", correlation_id="a")),
    ]

    merged = merge_reports(collected)

    assert [(owners, message.queue) for owners, message in merged] == [
        ((0, 3), "pipe"), ((1,), "pipe"), ((2,), "other")]
    first = decode_task_message(merged[0][1].body)
    assert first.correlation_id == "a"
    assert [r.job_task_id for r in decode_tracking_reports(first.task_data)] == ["p:J0", "p:J3"]
    assert merged[1][1] is collected[1][1]  # alone: published as it was built


def test_merged_messages_carry_at_most_the_limit_of_reports():
    collected = [(n, report_message(f"p:J{n}")) for n in range(5)]

    merged = merge_reports(collected, limit=2)

    assert [owners for owners, _ in merged] == [(0, 1), (2, 3), (4,)]


def test_a_refused_output_fails_only_the_delivery_it_belongs_to():
    # Published order: out(0), out(1), out(2): position 1 is delivery 1's result.
    publish = Publish(refuse=frozenset({1}))
    batch = OutputBatch(publish)
    for n in range(3):
        deliver(batch, n, OutgoingMessage("out", b"%d" % n))

    batch.flush()

    assert batch.failed == {1}


def test_a_refused_merged_report_fails_every_delivery_it_carries():
    publish = Publish(refuse=frozenset({0}))  # the merged report message goes first
    batch = OutputBatch(publish)
    deliver(batch, 0, report_message("p:J0"), OutgoingMessage("out", b"0"))
    deliver(batch, 1, OutgoingMessage("out", b"1"))
    deliver(batch, 2, report_message("p:J2"), OutgoingMessage("out", b"2"))

    batch.flush()

    assert batch.failed == {0, 2}


def test_an_error_without_positions_fails_the_whole_group():
    batch = OutputBatch(Publish(fail_all=True))
    for n in range(3):
        deliver(batch, n, OutgoingMessage("out", b"%d" % n))

    batch.flush()

    assert batch.failed == {0, 1, 2}


def test_a_full_chunk_is_published_while_the_delivery_runs_and_its_refusal_stops_it():
    publish = Publish(refuse=frozenset({2}))
    batch = OutputBatch(publish, chunk=3)
    deliver(batch, 0, OutgoingMessage("out", b"a"))
    batch.begin(1)

    with pytest.raises(PublishError):
        batch.add([OutgoingMessage("sub", b"1"), OutgoingMessage("sub", b"2")])  # the chunk is full

    assert batch.failed == {1}  # position 2 is delivery 1's; delivery 0 was confirmed
    batch.add([OutgoingMessage("sub", b"3")])  # nothing is re-sent of the failed chunk
    batch.flush()
    assert [[m.body for m in published] for published in publish.batches] == [[b"a", b"1", b"2"], [b"3"]]


def test_clear_forgets_the_last_group():
    batch = OutputBatch(Publish(fail_all=True))
    deliver(batch, 0, OutgoingMessage("out", b"0"))
    batch.flush()
    batch.clear()

    assert batch.failed == set() and len(batch) == 0
