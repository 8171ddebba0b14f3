"""The scheduler loop: sweeps everything due, survives broker and database failures, stops on
request."""
from __future__ import annotations

import json
import threading
from typing import Any

import pytest
from django.core.management import call_command
from django.db import OperationalError

from jobs import scheduler as scheduler_module
from jobs.models import JobTask
from jobs.scheduler import Scheduler
from tests.dispatch.conftest import BrokerUnderTest, make_job

# Real transactions: each round checks its database connection (close_old_connections).
pytestmark = pytest.mark.django_db(transaction=True)


def test_one_round_sends_everything_due_across_batches(broker: BrokerUnderTest) -> None:
    pipe = broker.pipe()
    for number in range(5):
        make_job("p1", f"sweep{number}", task_pipe=pipe)
    make_job("p1", "not-yet", task_pipe=pipe, eligible=False)

    assert Scheduler(period=0.01, batch_size=2).run_round() is True

    received = broker.drain(pipe)
    assert sorted(json.loads(m.body)["tracking"]["jobTaskId"] for m in received) == [
        f"p1:sweep{number}" for number in range(5)
    ]
    assert list(JobTask.objects.values_list("job__job_id", flat=True)) == ["not-yet"]


def test_broker_outage_is_logged_and_the_rows_stay_for_the_next_round(
    broker: BrokerUnderTest, settings: Any, caplog: Any
) -> None:
    pipe = broker.pipe()
    make_job("p1", "patient", task_pipe=pipe)
    settings.BROKER_URL = "amqp://guest:guest@127.0.0.1:1//"
    scheduler = Scheduler(period=0.01)

    assert scheduler.run_round() is False
    assert "Broker unavailable" in caplog.text
    assert JobTask.objects.count() == 1

    settings.BROKER_URL = broker.url
    assert scheduler.run_round() is True
    assert len(broker.drain(pipe)) == 1


def test_database_error_does_not_end_the_loop(monkeypatch: pytest.MonkeyPatch, caplog: Any) -> None:
    calls = []

    def failing_dispatch(*, limit: int) -> int:
        calls.append(limit)
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(scheduler_module, "dispatch_due_or_raise", failing_dispatch)
    scheduler = Scheduler(period=0.01)
    assert scheduler.run_round() is False
    assert scheduler.run_round() is False
    assert len(calls) == 2
    assert "Dispatch round failed" in caplog.text
    assert scheduler._backoff() > scheduler.period  # it slows down while failing


def test_stop_ends_a_running_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    rounds = threading.Event()
    monkeypatch.setattr(scheduler_module, "dispatch_due_or_raise", lambda *, limit: rounds.set() or 0)
    scheduler = Scheduler(period=60)
    thread = threading.Thread(target=scheduler.run)
    thread.start()
    assert rounds.wait(timeout=10)
    scheduler.stop()  # what SIGTERM does
    thread.join(timeout=10)
    assert not thread.is_alive()


def test_run_scheduler_once_dispatches_and_exits(broker: BrokerUnderTest) -> None:
    pipe = broker.pipe()
    make_job("p1", "command", task_pipe=pipe)
    call_command("run_scheduler", "--once", "--period", "0.01")
    assert len(broker.drain(pipe)) == 1
    assert not JobTask.objects.exists()
