"""Concurrent identical PUTs on real PostgreSQL: one creates (201), the other sees it (204)."""
import threading
from typing import Any

import pytest
from django.db import connections

from jobs.models import Job
from jobs.services import create
from tests.api.conftest import job_url, new_job_body
from tests.auth_helpers import token_client


@pytest.mark.server
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("second_name", "expected"), [("a job", [201, 204]), ("other", [201, 403])])
def test_racing_puts_of_one_job(require_postgres: None, monkeypatch: pytest.MonkeyPatch, second_name: str, expected: list[int],
                                api_token: str) -> None:
    both_checked = threading.Barrier(2, timeout=10)
    real_insert = create._insert

    def insert_after_both_checked(*args: Any) -> None:
        # Both requests have seen no job: both try to insert, one hits the unique constraint.
        both_checked.wait()
        real_insert(*args)

    monkeypatch.setattr(create, "_insert", insert_after_both_checked)
    statuses: list[int] = []

    def put(name: str) -> None:
        try:
            response = token_client(api_token).put(job_url("p1", "race"), new_job_body(name=name), format="json")
            statuses.append(response.status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=put, args=(name,)) for name in ("a job", second_name)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(statuses) == expected
    assert Job.objects.filter(job_id="race").count() == 1
