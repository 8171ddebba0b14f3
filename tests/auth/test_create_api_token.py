"""manage.py create_api_token: a scoped token, its secret once, alone on the last line."""
import io

import pytest
from django.core.management import CommandError, call_command

from jobs.auth.models import ApiToken
from jobs.auth.tokens import api_token_authenticate

pytestmark = pytest.mark.django_db


def create(*args: str) -> list[str]:
    out = io.StringIO()
    call_command("create_api_token", *args, stdout=out)
    return out.getvalue().splitlines()


def test_the_secret_is_the_last_line_and_works():
    lines = create("--name", "billing", "--partitions", "acme-*,demo", "--rights", "read,create", "--expires", "30")
    token = api_token_authenticate(lines[-1])
    assert token is not None and token.name == "billing"
    assert (token.partitions, token.rights, token.job_types, token.raw_tasks) == (
        "acme-*,demo", ["read", "create"], "*", False
    )
    assert token.expires_at is not None
    assert lines[0].startswith("API token 'billing': partitions acme-*,demo; rights read, create; job types *;")
    assert lines[-1] not in "\n".join(lines[:-1])


def test_by_default_a_token_only_reads_and_sends_only_job_types():
    token = api_token_authenticate(create("--name", "reader", "--partitions", "*")[-1])
    assert token.rights == ["read"] and not token.raw_tasks and token.expires_at is None


def test_raw_tasks_need_their_queues():
    with pytest.raises(CommandError, match="--raw-tasks needs --task-pipes"):
        create("--name", "raw", "--partitions", "*", "--raw-tasks")
    with pytest.raises(CommandError, match="--task-pipes applies only with --raw-tasks"):
        create("--name", "raw", "--partitions", "*", "--task-pipes", "q")
    token = api_token_authenticate(create("--name", "raw", "--partitions", "*", "--raw-tasks",
                                          "--task-pipes", "batch-in")[-1])
    assert token.allows_task_pipe("batch-in") and not token.allows_task_pipe("other")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--partitions", ""], "Give at least one partition"),
        (["--partitions", "*", "--rights", "read,admin"], "--rights: admin"),
        (["--partitions", "*", "--expires", "0"], "--expires"),
    ],
)
def test_bad_options_are_refused_and_nothing_is_made(args, message):
    with pytest.raises(CommandError, match=message):
        create("--name", "bad", *args)
    assert not ApiToken.objects.exists()


def test_a_name_is_replaced_only_when_asked():
    old = create("--name", "ci", "--partitions", "*")[-1]
    with pytest.raises(CommandError, match="exists"):
        create("--name", "ci", "--partitions", "*")
    new = create("--name", "ci", "--partitions", "*", "--replace")[-1]
    assert api_token_authenticate(old) is None and api_token_authenticate(new) is not None
    assert ApiToken.objects.count() == 1
