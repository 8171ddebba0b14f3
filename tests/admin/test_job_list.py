"""The job list: columns, filters, search, sorting, and a count that stays cheap."""
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from jobs.admin.paginator import CappedCountPaginator
from jobs.states import JobStatus
from tests.admin.conftest import MakeJob, days_ago, failure

LIST_URL = reverse("admin:jobs_job_changelist")


def listed_ids(client: Client, query: str = "") -> list[str]:
    response = client.get(LIST_URL + query)
    assert response.status_code == 200
    return [job.job_id for job in response.context["cl"].result_list]


def test_list_shows_status_badge_progress_and_labels(operator_client: Client, make_job: MakeJob) -> None:
    make_job("job-1", name="Nightly import", status=JobStatus.PAUSED, percentage=42.0, labels={"owner": "ops"})

    html = operator_client.get(LIST_URL).content.decode()

    assert "Nightly import" in html
    assert '<span class="job-status job-status-paused" data-job-status>Paused</span>' in html
    assert 'style="width: 42.0%"' in html
    assert '<span class="job-label">owner=ops</span>' in html


def test_newest_jobs_come_first(operator_client: Client, make_job: MakeJob) -> None:
    for job_id in ["first", "second", "third"]:
        make_job(job_id)

    assert listed_ids(operator_client) == ["third", "second", "first"]


def test_filter_by_status(operator_client: Client, make_job: MakeJob) -> None:
    make_job("running", status=JobStatus.ACTIVE)
    make_job("done", status=JobStatus.COMPLETED)

    assert listed_ids(operator_client, "?status__exact=Completed") == ["done"]


def test_filter_by_partition_lists_known_partitions(operator_client: Client, make_job: MakeJob) -> None:
    make_job("a1", partition_id="tenant-a")
    make_job("b1", partition_id="tenant-b")

    response = operator_client.get(LIST_URL)
    assert "?partition=tenant-b" in response.content.decode()
    assert listed_ids(operator_client, "?partition=tenant-b") == ["b1"]


def test_filter_by_creation_date(operator_client: Client, make_job: MakeJob) -> None:
    make_job("old", created=days_ago(30))
    make_job("recent", created=days_ago(1))
    since = urlencode({"create_date__gte": days_ago(7).isoformat()})

    assert listed_ids(operator_client, f"?{since}") == ["recent"]


@pytest.mark.parametrize(("choice", "expected"), [("yes", ["failed"]), ("no", ["empty-list", "clean"])])
def test_filter_has_failures(operator_client: Client, make_job: MakeJob, choice: str, expected: list[str]) -> None:
    make_job("clean", failures=None)
    make_job("empty-list", failures=[])
    make_job("failed", status=JobStatus.FAILED, failures=[failure()])

    assert listed_ids(operator_client, f"?has_failures={choice}") == expected


@pytest.mark.parametrize(
    ("term", "expected"),
    [("import-7", ["import-7"]), ("NIGHTLY", ["import-7"]), ("finance", ["export-2"]), ("nothing", [])],
)
def test_search_by_job_id_name_and_label_value(
    operator_client: Client, make_job: MakeJob, term: str, expected: list[str]
) -> None:
    make_job("import-7", name="Nightly import", labels={"team": "ops", "tier": "gold"})
    make_job("export-2", name="Report", labels={"team": "finance", "tier": "bronze"})

    assert listed_ids(operator_client, f"?q={term}") == expected


def test_sort_by_progress(operator_client: Client, make_job: MakeJob) -> None:
    make_job("half", percentage=50)
    make_job("none", percentage=0)
    make_job("full", percentage=100)
    # Column 5 of list_display (after the selection checkbox): progress.
    assert listed_ids(operator_client, "?o=5") == ["none", "half", "full"]
    assert listed_ids(operator_client, "?o=-5") == ["full", "half", "none"]


def test_count_stops_at_the_cap(operator_client: Client, make_job: MakeJob, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(CappedCountPaginator, "count_cap", 3)
    for index in range(5):
        make_job(f"job-{index}")

    html = operator_client.get(LIST_URL).content.decode()

    assert "more than 3 jobs" in html


def test_count_is_exact_below_the_cap(operator_client: Client, make_job: MakeJob) -> None:
    for index in range(3):
        make_job(f"job-{index}")

    assert "3 jobs" in operator_client.get(LIST_URL).content.decode()


def test_list_queries_do_not_grow_with_the_page(
    operator_client: Client, make_job: MakeJob, django_assert_max_num_queries
) -> None:
    for index in range(60):
        make_job(f"job-{index}", labels={"a": "1", "b": str(index)})
    operator_client.get(LIST_URL)  # warms the cached partition list and the session

    # session, user, capped count, page, labels of the page (+ savepoints on some backends)
    with django_assert_max_num_queries(8):
        response = operator_client.get(LIST_URL)
    assert len(response.context["cl"].result_list) == 50


def test_a_short_result_is_counted_without_a_count_query(operator_client: Client, make_job: MakeJob) -> None:
    for index in range(3):
        make_job(f"job-{index}")

    with CaptureQueriesContext(connection) as queries:
        response = operator_client.get(LIST_URL + "?q=job-1")

    assert [job.job_id for job in response.context["cl"].result_list] == ["job-1"]
    assert "1 result" in response.content.decode()
    assert not [query for query in queries.captured_queries if "COUNT(" in query["sql"].upper()]


def test_pages_after_the_first(operator_client: Client, make_job: MakeJob) -> None:
    for index in range(55):
        make_job(f"job-{index:02}")

    assert len(listed_ids(operator_client)) == 50
    assert listed_ids(operator_client, "?p=2") == [f"job-{index:02}" for index in range(4, -1, -1)]
    assert "55 jobs" in operator_client.get(LIST_URL + "?p=2").content.decode()
    # A page past the end is the admin's usual "invalid lookup" redirect, not an error.
    assert operator_client.get(LIST_URL + "?p=9").status_code == 302


def test_select_all_is_offered_only_within_the_action_limit(
    operator_client: Client, make_job: MakeJob, monkeypatch: pytest.MonkeyPatch
) -> None:
    for index in range(55):
        make_job(f"job-{index:02}")

    assert "Select all 55 jobs" in operator_client.get(LIST_URL).content.decode()
    monkeypatch.setattr("jobs.admin.job_admin.ACTION_LIMIT", 54)
    assert "Select all 55" not in operator_client.get(LIST_URL).content.decode()
