"""The TaskMessage codec against the reference's example messages (worker-messaging.md §1.7)."""
import base64
import json

import pytest

from jobservice.messaging.messages import (
    InvalidMessage,
    JobTaskId,
    ReportStatus,
    TaskStatus,
    decode_task_message,
    decode_tracking_reports,
)

SCHEDULER_EXAMPLE = (
    '{"version":3,"taskId":"2f3c2a0e-7a4e-4d0c-9b59-2b1d8d6c8f11","taskClassifier":"BatchWorker",'
    '"taskApiVersion":1,"taskData":"eyJiYXRjaERlZmluaXRpb24iOiJbXCJhXCIsXCJiXCJdIn0=",'
    '"taskStatus":"NEW_TASK","context":{},"to":"batch-in",'
    '"tracking":{"jobTaskId":"p1:J7","lastStatusCheckTime":1729690000000,"statusCheckIntervalMillis":5000,'
    '"statusCheckUrl":"http://jobservice:8080/job-service/v1/partitions/p1/jobs/J7/status",'
    '"trackingPipe":"jobtracking-in","trackTo":"example-out"},'
    '"sourceInfo":null,"priority":null,"correlationId":null}'
)


def test_reference_example_round_trips_byte_for_byte() -> None:
    message = decode_task_message(SCHEDULER_EXAMPLE.encode())
    assert message.task_status is TaskStatus.NEW_TASK
    assert message.tracking.job_task_id == "p1:J7"
    assert message.tracking.track_to == "example-out"
    assert message.encode() == SCHEDULER_EXAMPLE.encode()


def test_decode_is_lenient_about_unknown_fields_and_iso_dates() -> None:
    data = json.loads(SCHEDULER_EXAMPLE)
    data["statusCheckTime"] = 5  # an Era-1 property
    data["tracking"]["lastStatusCheckTime"] = "2024-10-23T13:26:40.000Z"
    message = decode_task_message(json.dumps(data).encode())
    assert message.tracking.last_status_check_time == 1729690000000


@pytest.mark.parametrize(
    "body",
    [b"not json", b"[]", b'{"taskStatus":"NEW_TASK"}', b'{"taskId":"t","taskStatus":"BOGUS"}',
     b'{"taskId":"t","taskStatus":"NEW_TASK","taskData":5}',
     b"[" * 100_000],  # nested past the recursion limit: refused like any bad JSON
)
def test_undecodable_bodies_raise_invalid_message(body: bytes) -> None:
    with pytest.raises(InvalidMessage):
        decode_task_message(body)


def test_tracking_reports_are_decoded_strictly() -> None:
    payload = base64.b64decode(
        "eyJ0cmFja2luZ1JlcG9ydHMiOlt7ImpvYlRhc2tJZCI6InAxOko3LjEiLCJzdGF0dXMiOiJQcm9ncmVzcyIsImVzdGltYXRlZFBlcmNlbnRhZ2VDb21wbGV0ZWQiOjB9LHsiam9iVGFza0lkIjoicDE6SjcuMyoiLCJzdGF0dXMiOiJDb21wbGV0ZSIsImVzdGltYXRlZFBlcmNlbnRhZ2VDb21wbGV0ZWQiOjB9XX0="
    )
    reports = decode_tracking_reports(payload)
    assert [(r.job_task_id, r.status) for r in reports] == [
        ("p1:J7.1", ReportStatus.PROGRESS),
        ("p1:J7.3*", ReportStatus.COMPLETE),
    ]
    with pytest.raises(InvalidMessage):
        decode_tracking_reports(b'{"trackingReports":[{"jobTaskId":"p:J","status":"Complete","extra":1}]}')
    with pytest.raises(InvalidMessage):
        decode_tracking_reports(b'{"trackingReports":' + b"[" * 100_000)


@pytest.mark.parametrize(
    ("value", "partition", "job", "parent", "number", "final"),
    [
        ("p1:J7", "p1", "J7", None, None, False),
        ("J7.2", "default", "J7", "J7", 2, False),
        ("p1:J7.3*.2*", "p1", "J7", "J7.3*", 2, True),
    ],
)
def test_job_task_id_parts(value, partition, job, parent, number, final) -> None:
    task = JobTaskId.parse(value)
    assert (task.partition_id, task.job_id, task.parent, task.subtask_number, task.is_final) == (
        partition, job, parent, number, final,
    )
