"""Times the operators' job list (Django admin changelist) on a big table.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/jobservice_admin \
        .venv/bin/python bench/admin_bench.py [--jobs 100000] [--repeat 15]

Creates a throwaway database (test_<name> beside the one in DATABASE_URL, dropped at the
end), loads the jobs with two labels each through bulk_create, signs in an operator with the
test client, and prints the median render time of the list pages (plain, filtered by status,
by partition, by "has failures", searched) and of one job page. Target: < 200 ms each.
"""
import argparse
import os
import secrets
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jobservice.settings")
# The service refuses to start without a secret key; the processes started here inherit this one.
os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(50))

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

from jobs.models import Job, Label  # noqa: E402
from jobs.states import JobStatus  # noqa: E402

TARGET_MS = 200
BATCH = 5000
PARTITIONS = [f"tenant-{index}" for index in range(5)]
# Mostly finished jobs, a few failures: the shape of a long-running installation.
STATUS_CYCLE = [JobStatus.COMPLETED] * 30 + [JobStatus.ACTIVE] * 6 + [JobStatus.WAITING] * 6 + [
    JobStatus.PAUSED, JobStatus.CANCELLED, JobStatus.FAILED,
]


def load_jobs(count: int) -> None:
    start = timezone.now() - timedelta(days=60)
    for first in range(0, count, BATCH):
        jobs = []
        for index in range(first, min(first + BATCH, count)):
            status = STATUS_CYCLE[index % len(STATUS_CYCLE)]
            created = start + timedelta(seconds=index * 50)
            failures = None
            if status == JobStatus.FAILED:
                failures = [{
                    "failureId": "WORKER_ERROR", "failureTime": created.isoformat(),
                    "failureSource": "bench-worker", "failureMessage": "simulated failure",
                }]
            jobs.append(Job(
                partition_id=PARTITIONS[index % len(PARTITIONS)], job_id=f"job-{index}",
                name=f"import {index}", status=status,
                percentage_complete=100.0 if status == JobStatus.COMPLETED else (index % 97),
                failure_details=failures, job_hash="0" * 64,
                create_date=created, last_update_date=created,
            ))
        created_jobs = Job.objects.bulk_create(jobs)
        Label.objects.bulk_create(
            label
            for job in created_jobs
            for label in (Label(job=job, label="owner", value=f"team-{job.pk % 20}"),
                          Label(job=job, label="batch", value=f"batch-{job.pk % 1000}"))
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def median_ms(client: Client, url: str, repeat: int) -> float:
    for _ in range(2):  # warm-up: connection, templates, caches
        assert client.get(url).status_code == 200, url
    timings = []
    for _ in range(repeat):
        began = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - began) * 1000)
        assert response.status_code == 200, url
    return statistics.median(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("set DATABASE_URL=postgres://... (the figures only mean something on PostgreSQL)")

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        began = time.perf_counter()
        load_jobs(args.jobs)
        print(f"loaded {args.jobs} jobs with 2 labels each in {time.perf_counter() - began:.1f} s")

        operator = User.objects.create_superuser("bench", "bench@example.com", "bench-password-42")
        client = Client()
        client.force_login(operator)
        some_job = Job.objects.get(partition_id="tenant-2", job_id=f"job-{args.jobs // 2 + 2}")
        pages = {
            "list": "/admin/jobs/job/",
            "list, page 20": "/admin/jobs/job/?p=20",
            "status Failed": "/admin/jobs/job/?status__exact=Failed",
            "status Active": "/admin/jobs/job/?status__exact=Active",
            "partition": "/admin/jobs/job/?partition=tenant-3",
            "has failures": "/admin/jobs/job/?has_failures=yes",
            "sort by name": "/admin/jobs/job/?o=3",
            "search job id": f"/admin/jobs/job/?q=job-{args.jobs - 7}",
            "search label": "/admin/jobs/job/?q=batch-777",
            "job page": f"/admin/jobs/job/{some_job.pk}/change/",
            "progress json": f"/admin/jobs/job/{some_job.pk}/progress/",
        }
        print(f"median of {args.repeat} requests, target < {TARGET_MS} ms")
        worst = 0.0
        for label, url in pages.items():
            ms = median_ms(client, url, args.repeat)
            worst = max(worst, ms)
            print(f"  {label:<16} {ms:8.1f} ms  {'ok' if ms < TARGET_MS else 'SLOW'}  {url}")
        print(f"worst median: {worst:.1f} ms ({'within' if worst < TARGET_MS else 'over'} target)")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
