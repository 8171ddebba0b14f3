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


def test_a_database_outage_requeues_the_batch_which_is_applied_later(make_job, broker, monkeypatch):
    from django.db import OperationalError

    import tracking.consumer as consumer_module

    job = make_job("J1", partition_id="p1")
    real_apply = consumer_module.tracking_reports_apply
    calls = []

    def flaky_apply(*, reports):
        calls.append(len(reports))
        if len(calls) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return real_apply(reports=reports)

    monkeypatch.setattr(consumer_module, "tracking_reports_apply", flaky_apply)
    monkeypatch.setattr(consumer_module.TrackerConsumer, "_sleep", lambda self, seconds: None)
    queue = broker.queues.input
    broker.publish(queue, [reports(queue, ("p1:J1.1*", ReportStatus.COMPLETE, 0))])
    broker.run_tracker()
    assert len(calls) == 2
    assert reload(job).status == JobStatus.COMPLETED
    assert broker.take_all(broker.queues.reject) == []


def test_a_message_that_cannot_be_applied_is_refused_alone(make_job, broker, monkeypatch):
    import tracking.consumer as consumer_module

    good = make_job("J1", partition_id="p1")
    make_job("J2", partition_id="p1")
    real_apply = consumer_module.tracking_reports_apply

    def apply_failing_on_j2(*, reports):
        if any(report.job_id == "J2" for report in reports):
            raise ValueError("cannot store this")
        return real_apply(reports=reports)

    monkeypatch.setattr(consumer_module, "tracking_reports_apply", apply_failing_on_j2)
    queue = broker.queues.input
    poison = reports(queue, ("p1:J2.1*", ReportStatus.COMPLETE, 0))
    broker.publish(queue, [reports(queue, ("p1:J1.1", ReportStatus.COMPLETE, 0)), poison,
                           reports(queue, ("p1:J1.2*", ReportStatus.COMPLETE, 0))])
    broker.run_tracker()
    assert reload(good).status == JobStatus.COMPLETED
    [(body, headers)] = broker.take_all(broker.queues.reject)
    assert body == poison and "cannot store this" in headers[REJECT_REASON_HEADER]
    assert broker.take_all(queue) == []


def test_one_run_goes_through_many_batches(make_job, broker):
    job = make_job("J1", partition_id="p1")
    queue = broker.queues.input
    items = [(f"p1:J1.{n}{'*' if n == 7 else ''}", ReportStatus.COMPLETE, 0) for n in range(1, 8)]
    broker.publish(queue, [reports(queue, item) for item in items])
    consumer = broker.run_tracker(batch_size=2)
    assert consumer.received == 7
    assert reload(job).status == JobStatus.COMPLETED
    assert broker.take_all(queue) == []


def test_a_message_the_reader_chokes_on_is_refused_and_the_loop_goes_on(make_job, broker, monkeypatch):
    import tracking.consumer as consumer_module

    job = make_job("J1", partition_id="p1")
    real_read = consumer_module.read_message
    queue = broker.queues.input
    choking = reports(queue, ("p1:J1.9", ReportStatus.PROGRESS, 5))

    def read_choking_on_one(body, headers, **kwargs):
        if body == choking:
            raise RuntimeError("reader bug")
        return real_read(body, headers, **kwargs)

    monkeypatch.setattr(consumer_module, "read_message", read_choking_on_one)
    broker.publish(queue, [choking, reports(queue, ("p1:J1.1*", ReportStatus.COMPLETE, 0))])
    broker.run_tracker()
    assert reload(job).status == JobStatus.COMPLETED
    [(body, headers)] = broker.take_all(broker.queues.reject)
    assert body == choking and "reader bug" in headers[REJECT_REASON_HEADER]
    assert broker.take_all(queue) == []


def test_a_failing_cleanup_sweep_does_not_stop_the_tracker(make_job, broker, monkeypatch):
    import tracking.consumer as consumer_module

    job = make_job("J1", partition_id="p1")

    def broken_sweep(**kwargs):
        raise RuntimeError("sweep bug")

    monkeypatch.setattr(consumer_module, "task_progress_sweep", broken_sweep)
    queue = broker.queues.input
    broker.publish(queue, [reports(queue, ("p1:J1.1*", ReportStatus.COMPLETE, 0))])
    broker.run_tracker(sweep_seconds=0)
    assert reload(job).status == JobStatus.COMPLETED
    assert broker.take_all(queue) == []
