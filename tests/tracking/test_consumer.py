"""The tracker's consume loop over a real broker: filesystem:// here, RabbitMQ when configured."""
import pytest

from jobs.states import JobStatus
from jobservice.messaging.messages import (
    ReportStatus,
    TaskMessage,
    TaskStatus,
    TrackingInfo,
    TrackingReport,
    decode_task_message,
    tracking_report_message,
)
from tests.tracking.conftest import reload
from tracking.intake import REJECT_REASON_HEADER

pytestmark = pytest.mark.django_db(transaction=True)


def reports(queue: str, *items: tuple[str, ReportStatus, int]) -> bytes:
    tracking_reports = [TrackingReport(task_id, status, pct) for task_id, status, pct in items]
    return tracking_report_message(tracking_reports, tracking_pipe=queue, correlation_id=None).encode()


def test_reports_are_applied_refusals_rejected_and_proxied_messages_forwarded(make_job, broker):
    job = make_job("J1", partition_id="p1")
    other = make_job("J2", partition_id="p1")
    queue = broker.queues.input
    output = broker.queue_name("example-out")
    result = TaskMessage(
        task_id="t3",
        task_classifier="ExampleWorker",
        task_api_version=1,
        task_data=b"done",
        task_status=TaskStatus.RESULT_SUCCESS,
        to=output,
        tracking=TrackingInfo(job_task_id="p1:J1.3*", tracking_pipe=queue, track_to=output),
    )
    bodies = [
        reports(queue, ("p1:J1.1", ReportStatus.PROGRESS, 0), ("p1:J1.1", ReportStatus.COMPLETE, 0)),
        b"this is not a task message",
        reports(queue, ("p1:J1.2", ReportStatus.COMPLETE, 0), ("p1:NOPE.1", ReportStatus.COMPLETE, 0)),
        reports(queue, ("p1:J2.1", ReportStatus.PROGRESS, 150)),
        result.encode(),
    ]
    broker.publish(queue, bodies)

    consumer = broker.run_tracker()

    assert consumer.received == 5
    job = reload(job)
    assert (job.status, job.percentage_complete) == (JobStatus.COMPLETED, 100.0)
    assert reload(other).status == JobStatus.WAITING
    rejected = broker.take_all(broker.queues.reject)
    assert sorted(body for body, _ in rejected) == sorted([bodies[1], bodies[2], bodies[3]])
    reasons = " | ".join(headers[REJECT_REASON_HEADER] for _, headers in rejected)
    assert "NOPE not found in partition p1" in reasons and "Invalid in_percentage_complete 150" in reasons
    [(forwarded, _)] = broker.take_all(output)
    assert decode_task_message(forwarded).tracking is None  # tracking ends at trackTo
    assert broker.take_all(queue) == []  # everything acked


def test_a_redelivered_batch_changes_nothing(make_job, broker):
    job = make_job("J1", partition_id="p1")
    queue = broker.queues.input
    body = reports(queue, ("p1:J1.1", ReportStatus.COMPLETE, 0), ("p1:J1.2", ReportStatus.PROGRESS, 50))
    broker.publish(queue, [body, body])
    broker.run_tracker(batch_size=1)
    broker.publish(queue, [body])
    broker.run_tracker()
    job = reload(job)
    assert (job.status, job.percentage_complete) == (JobStatus.ACTIVE, 50.0)  # (100 + 50) / 3
