"""GET /partitions/{p}/jobs: filters, sort, paging, errors; and jobStats/count."""
from typing import Any

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from jobs.states import JobStatus

pytestmark = pytest.mark.django_db

LIST = "/job-service/v1/partitions/{}/jobs"
COUNT = "/job-service/v1/partitions/{}/jobStats/count"


def ids(client: APIClient, partition_id: str = "p1", **params: Any) -> list[str]:
    response = client.get(LIST.format(partition_id), params)
    assert response.status_code == 200, response.content
    return [job["id"] for job in response.json()]


def count(client: APIClient, partition_id: str = "p1", **params: Any) -> int:
    response = client.get(COUNT.format(partition_id), params)
    assert response.status_code == 200, response.content
    return response.json()


def test_default_order_is_newest_first(client: APIClient, make_job) -> None:
    for job_id in ["a", "b", "c"]:
        make_job(job_id)
    assert ids(client) == ["c", "b", "a"]


def test_empty_partition_lists_nothing(client: APIClient, make_job) -> None:
    make_job("a", partition_id="p2")
    assert ids(client) == []
    assert count(client) == 0


def test_default_page_size_is_25_and_limit_has_no_maximum(client: APIClient, make_job) -> None:
    for index in range(30):
        make_job(f"j{index:02}")
    assert len(ids(client)) == 25
    assert len(ids(client, limit=0)) == 25
    assert len(ids(client, limit=-3)) == 25
    assert len(ids(client, limit=1000)) == 30
    with override_settings(CAF_JOB_SERVICE_PAGE_SIZE=7):
        assert len(ids(client)) == 7


def test_offset_pages_through_the_sort_order(client: APIClient, make_job) -> None:
    for index in range(7):
        make_job(f"j{index}")
    pages = [ids(client, sort="jobId:asc", limit=3, offset=offset) for offset in (0, 3, 6)]
    assert pages == [["j0", "j1", "j2"], ["j3", "j4", "j5"], ["j6"]]
    assert ids(client, sort="jobId:asc", limit=3, offset=-5) == ["j0", "j1", "j2"]
    assert ids(client, offset=100) == []


@pytest.mark.parametrize("param", ["limit", "offset"])
@pytest.mark.parametrize("value", ["abc", "1.5", " 5", "5_0", "99999999999"])
def test_non_integer_limit_or_offset_is_400(client: APIClient, param: str, value: str) -> None:
    response = client.get(LIST.format("p1"), {param: value})
    assert response.status_code == 400
    assert response.json()["message"].startswith(f"Invalid value for {param}: {value}")


def test_job_id_prefix_is_case_sensitive_and_literal(client: APIClient, make_job) -> None:
    for job_id in ["abc", "ABC", "ab_x", "abzx", "a%b", "axb", "xab"]:
        make_job(job_id)
    assert sorted(ids(client, jobIdStartsWith="ab")) == ["ab_x", "abc", "abzx"]
    assert ids(client, jobIdStartsWith="ab_") == ["ab_x"]
    assert ids(client, jobIdStartsWith="a%") == ["a%b"]
    assert ids(client, jobIdStartsWith="AB") == ["ABC"]
    assert len(ids(client, jobIdStartsWith="")) == 7
    assert count(client, jobIdStartsWith="ab") == 3


@pytest.mark.parametrize(
    ("status_type", "expected"),
    [
        ("NotCompleted", {"Active", "Paused", "Waiting", "Cancelled", "Failed"}),
        ("Completed", {"Completed"}),
        ("Inactive", {"Completed", "Cancelled", "Failed"}),
        ("NotFinished", {"Active", "Paused", "Waiting"}),
        ("All", set(JobStatus)),
        ("", set(JobStatus)),
        ("completed", set(JobStatus)),
        ("garbage", set(JobStatus)),
    ],
)
def test_status_type(client: APIClient, make_job, status_type: str, expected: set[str]) -> None:
    for status in JobStatus:
        make_job(status.value, status=status)
    assert set(ids(client, statusType=status_type)) == expected
    assert count(client, statusType=status_type) == len(expected)


def test_label_exist_keeps_jobs_having_any_of_the_labels(client: APIClient, make_job) -> None:
    make_job("a", labels={"tag:1": "x", "other": "y"})
    make_job("b", labels={"owner": "bob"})
    make_job("c", labels={"unrelated": "z"})
    make_job("d")
    assert sorted(ids(client, labelExist="tag:1,owner")) == ["a", "b"]
    assert ids(client, labelExist="owner") == ["b"]
    assert ids(client, labelExist="nothing") == []


def test_label_filters_never_hide_other_labels(client: APIClient, make_job) -> None:
    make_job("a", labels={"tag": "x", "other": "y"})
    jobs = client.get(LIST.format("p1"), {"labelExist": "tag", "filter": "labels.tag==x"}).json()
    assert jobs[0]["labels"] == {"tag": "x", "other": "y"}


def test_count_ignores_label_exist(client: APIClient, make_job) -> None:
    make_job("a", labels={"tag": "x"})
    make_job("b")
    assert count(client, labelExist="tag") == 2
    assert count(client, filter="labels.tag==x") == 1


# --- sort ----------------------------------------------------------------------------------------


def test_text_sorts_are_case_insensitive(client: APIClient, make_job) -> None:
    for job_id, name in [("j1", "b"), ("j2", "A"), ("j3", "C"), ("j4", None)]:
        make_job(job_id, name=name)
    assert ids(client, sort="name:asc") == ["j2", "j1", "j3", "j4"]
    assert ids(client, sort="name:desc") == ["j4", "j3", "j1", "j2"]
    for job_id in ["xb", "xA", "xC"]:
        make_job(job_id, partition_id="p2")
    assert ids(client, "p2", sort="jobId:asc") == ["xA", "xb", "xC"]


@pytest.mark.parametrize(
    ("field", "column"),
    [("description", "description"), ("externalData", "external_data")],
)
def test_sort_by_other_text_fields(client: APIClient, make_job, field: str, column: str) -> None:
    make_job("j1", **{column: "b"})
    make_job("j2", **{column: "a"})
    assert ids(client, sort=f"{field}:asc") == ["j2", "j1"]
    assert ids(client, sort=f"{field}:desc") == ["j1", "j2"]


def test_sort_by_status_follows_the_enum_order(client: APIClient, make_job) -> None:
    for status in reversed(list(JobStatus)):
        make_job(status.value, status=status)
    assert ids(client, sort="status:asc") == ["Active", "Cancelled", "Completed", "Failed", "Paused", "Waiting"]


def test_sort_by_numbers_and_times(client: APIClient, make_job) -> None:
    import datetime as dt

    from django.utils import timezone

    now = timezone.now()
    make_job("j1", percentage_complete=50.0, last_update_date=now)
    make_job("j2", percentage_complete=5.0, last_update_date=now - dt.timedelta(hours=5))
    make_job("j3", percentage_complete=100.0, last_update_date=now - dt.timedelta(hours=2))
    assert ids(client, sort="percentageComplete:asc") == ["j2", "j1", "j3"]
    assert ids(client, sort="percentageComplete:desc") == ["j3", "j1", "j2"]
    assert ids(client, sort="lastUpdateTime:asc") == ["j2", "j3", "j1"]
    assert ids(client, sort="createTime:asc") == ["j1", "j2", "j3"]


def test_sort_by_label_puts_jobs_lacking_it_last_for_asc_first_for_desc(client: APIClient, make_job) -> None:
    make_job("j1", labels={"tag": "b"})
    make_job("none")
    make_job("j2", labels={"tag": "A"})
    make_job("j3", labels={"tag": "c", "other": "a"})
    assert ids(client, sort="labels.tag:asc") == ["j2", "j1", "j3", "none"]
    assert ids(client, sort="labels.tag:desc") == ["none", "j3", "j1", "j2"]


@pytest.mark.parametrize(
    ("sort", "message"),
    [
        ("jobId", "Invalid format for sort: jobId"),
        ("labels.:asc", "Invalid format for label sort specified"),
        ("JobId:asc", "Invalid value for sort field: JobId:asc"),
        ("unknown:desc", "Invalid value for sort field: unknown:desc"),
        ("jobId:ASC", "Invalid value for sort direction: ASC"),
        ("jobId:", "Invalid value for sort direction: "),
        ("labels.a:b:asc", "Invalid value for sort direction: b:asc"),
    ],
)
def test_sort_errors(client: APIClient, sort: str, message: str) -> None:
    response = client.get(LIST.format("p1"), {"sort": sort})
    assert response.status_code == 400
    assert response.json() == {"message": message}


def test_list_queries_do_not_grow_with_the_page(client: APIClient, make_job, django_assert_num_queries) -> None:
    for index in range(30):
        make_job(f"j{index}", labels={"a": "1", "b": str(index)})
    client.get(LIST.format("p1"))  # the token's last use is recorded (at most once a minute)
    with django_assert_num_queries(3):  # the token, the page of jobs, then their labels
        response = client.get(LIST.format("p1"), {"limit": 30, "sort": "labels.b:asc", "filter": "labels.a==1"})
    assert len(response.json()) == 30
    assert all(job["labels"]["a"] == "1" for job in response.json())


def test_list_returns_full_job_objects(client: APIClient, make_job) -> None:
    make_job("j1", name="n", labels={"k": "v"})
    (job,) = client.get(LIST.format("p1")).json()
    assert set(job) == {
        "id", "name", "description", "externalData", "createTime", "lastUpdateTime",
        "status", "percentageComplete", "failures", "labels",
    }
    assert job["labels"] == {"k": "v"}


@pytest.mark.parametrize("direction", ["asc", "desc"])
def test_label_sort_pages_join_up_across_jobs_with_and_without_the_label(client: APIClient, make_job, direction: str) -> None:
    for index, value in enumerate(["d", "B", None, "a", "c"]):
        make_job(f"l{index}", labels={"tag": value, "x": "1"})
    for index in range(4):
        make_job(f"u{index}", labels={"x": "1"})
    make_job("other", labels={"tag": "a"}, partition_id="p2")
    whole = ids(client, sort=f"labels.tag:{direction}", limit=100)
    labelled = ["l3", "l1", "l4", "l0", "l2"]  # a, B, c, d, then the NULL value
    unlabelled = ["u0", "u1", "u2", "u3"]
    expected = labelled + unlabelled if direction == "asc" else unlabelled[::-1] + labelled[::-1]
    assert whole == expected
    for size in (1, 2, 4):
        pages = [ids(client, sort=f"labels.tag:{direction}", limit=size, offset=start) for start in range(0, 12, size)]
        assert [job_id for page in pages for job_id in page] == expected
    assert ids(client, filter="labels.x==1", sort=f"labels.tag:{direction}", limit=3, offset=4) == expected[4:7]
