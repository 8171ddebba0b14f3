"""The RSQL `filter` (reference §3.3): grammar and semantics, table-driven against the DB."""
import pytest
from rest_framework.test import APIClient

from jobs.errors import BadRequest
from jobs.rsql import parse_filter
from jobs.states import JobStatus

pytestmark = pytest.mark.django_db

LIST = "/job-service/v1/partitions/p1/jobs"


@pytest.fixture
def jobs(make_job) -> None:
    make_job("1", name="batchjob.one", status=JobStatus.ACTIVE, percentage_complete=10.0,
             labels={"tag": "tag.1.2", "tagged": "true"})
    make_job("2", name="x-batchjob", status=JobStatus.WAITING, percentage_complete=50.0,
             labels={"tag": "tag.1.3", "tagged": "false"})
    make_job("3", name="Batchjob.Upper", status=JobStatus.FAILED, percentage_complete=75.5,
             labels={"tag": "other", "tagged": "true", "empty": None})
    make_job("4", name=None, status=JobStatus.COMPLETED, percentage_complete=100.0)
    make_job("5", name="it's \"quoted\"", status=JobStatus.PAUSED, percentage_complete=0.0,
             labels={"tag": "a_b%c*"})
    make_job("1", partition_id="p2", name="batchjob.one", status=JobStatus.ACTIVE, labels={"tag": "tag.1.2"})


CASES = [
    ("id==2", {"2"}),
    ("id!=2", {"1", "3", "4", "5"}),
    ("id=in=(1,3)", {"1", "3"}),
    ("id=out=(1,3)", {"2", "4", "5"}),
    ("id=gt=3", {"4", "5"}),
    ("id>3", {"4", "5"}),
    ("id=ge=3", {"3", "4", "5"}),
    ("id>=3", {"3", "4", "5"}),
    ("id=lt=2", {"1"}),
    ("id<2", {"1"}),
    ("id=le=2", {"1", "2"}),
    ("id<=2", {"1", "2"}),
    ("name==batchjob.*", {"1"}),  # case-sensitive on every database
    ("name==*-batchjob", {"2"}),
    ("name==*atchjob*", {"1", "2", "3"}),
    ("name!=*atchjob*", {"5"}),  # NULL names match neither
    ("name!=x-batchjob", {"1", "3", "5"}),
    ("name=='it\\'s \"quoted\"'", {"5"}),
    ('name=="it\'s \\"quoted\\""', {"5"}),
    ("name==Batchjob.Upper", {"3"}),
    ("status==Active", {"1"}),
    ("status!=Active", {"2", "3", "4", "5"}),
    ("status=in=(Active,Waiting,Failed)", {"1", "2", "3"}),
    ("status=out=(Active,Waiting)", {"3", "4", "5"}),
    ("status=gt=Failed", {"5", "2"}),
    ("status=le=Completed", {"1", "4"}),
    ("percentageComplete=gt=50", {"3", "4"}),
    ("percentageComplete=ge=50", {"2", "3", "4"}),
    ("percentageComplete==75.5", {"3"}),
    ("percentageComplete=lt=1e1", {"5"}),
    ("percentageComplete=in=(0,100)", {"4", "5"}),
    ("labels.tag==tag.1.2", {"1"}),
    ("labels.tag==tag.*", {"1", "2"}),
    ("labels.tag!=tag.1.2", {"2", "3", "5"}),  # jobs lacking the label never match
    ("labels.tag==a_b%c*", {"5"}),  # _ and % literal, * wildcard
    ("labels.tag==a?b*", set()),
    ("labels.tag=in=(other,tag.1.3)", {"2", "3"}),
    ("labels.tag=out=(other,tag.1.3)", {"1", "5"}),
    ("labels.tag=gt=tag.1.2", {"2"}),
    ("labels.empty!=x", set()),  # NULL label value: SQL NULL semantics
    ("labels.missing==*", set()),
    ("(labels.tag==tag.1.2 or labels.tag==tag.1.3) and labels.tagged==true", {"1"}),
    ("(labels.tag==tag.1.2,labels.tag==tag.1.3);labels.tagged==true", {"1"}),
    ("labels.tag==tag.1.2,labels.tag==tag.1.3;labels.tagged==true", {"1"}),  # and binds tighter
    ("labels.tag==tag.1.3;labels.tagged==false,id==4", {"2", "4"}),
    ("id==1 or id==2 and status==Active", {"1"}),
    ("  id == 1  ", {"1"}),
    ("id==(1)", {"1"}),
    ("((id==1))", {"1"}),
]


@pytest.mark.parametrize(("expression", "expected"), CASES)
def test_filter(client: APIClient, jobs: None, expression: str, expected: set[str]) -> None:
    response = client.get(LIST, {"filter": expression, "limit": 100})
    assert response.status_code == 200, response.content
    assert {job["id"] for job in response.json()} == expected


PARSE_ERRORS = [
    "",
    "id",
    "id==",
    "id==1;",
    "(id==1",
    "id==1)",
    "id=foo=1",
    "id==(1,2)",
    "id=gt=(1,2)",
    "id==a b",
    "id==1 and",
    "==1",
    "id=~1",
    "id=='unterminated",
]


@pytest.mark.parametrize("expression", PARSE_ERRORS)
def test_unparsable_filters_are_400(client: APIClient, expression: str) -> None:
    response = client.get(LIST, {"filter": expression})
    assert response.status_code == 400
    assert response.json() == {"message": "Unable to parse filter"}


def _nested(levels: int) -> str:
    """`id==0,(id==1;(id==2,(...(id==x))))`: `levels` and/or groups, alternating so that
    none folds into another."""
    return "".join(f"id=={n}{';' if n % 2 else ','}(" for n in range(levels)) + "id==x" + ")" * levels


def test_a_filter_nested_too_deeply_is_a_400_not_a_database_or_recursion_error(client: APIClient, jobs: None) -> None:
    response = client.get(LIST, {"filter": _nested(20)})
    assert response.status_code == 200 and response.json() == []
    assert client.get(LIST, {"filter": "(" * 200 + "id==1" + ")" * 200}).status_code == 200
    for levels in (21, 30, 400, 3000):
        response = client.get(LIST, {"filter": _nested(levels)})
        assert response.status_code == 400
        assert response.json() == {"message": "The filter nests and/or groups more than 20 levels deep."}


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("foo==1", "Unsupported filter key specified: foo"),
        ("labels.==1", "Unsupported filter key specified: labels."),
        ("Id==1", "Unsupported filter key specified: Id"),
        ("id==1;createTime==3", "Unsupported filter key specified: createTime"),
        ("status==Complete", "Invalid status value specified in filter: Complete."),
        ("status==Act*", "Invalid status value specified in filter: Act*."),
        ("status=in=(Active,nope)", "Invalid status value specified in filter: nope."),
        ("percentageComplete==abc", "Invalid numeric value specified in filter for percentageComplete: abc"),
        ("percentageComplete==5*", "Invalid numeric value specified in filter for percentageComplete: 5*"),
        ("percentageComplete==NaN", "Invalid numeric value specified in filter for percentageComplete: NaN"),
    ],
)
def test_bad_filter_values_are_400_not_500(client: APIClient, expression: str, message: str) -> None:
    for url in [LIST, "/job-service/v1/partitions/p1/jobStats/count"]:
        response = client.get(url, {"filter": expression})
        assert response.status_code == 400
        assert response.json()["message"].startswith(message)


def test_filter_applies_to_count_and_stays_in_the_partition(client: APIClient, jobs: None) -> None:
    response = client.get("/job-service/v1/partitions/p1/jobStats/count", {"filter": "labels.tag==tag.1.2"})
    assert response.json() == 1
    response = client.get("/job-service/v1/partitions/p2/jobStats/count", {"filter": "id==1"})
    assert response.json() == 1


def test_parse_filter_raises_bad_request() -> None:
    with pytest.raises(BadRequest):
        parse_filter("id===1")
