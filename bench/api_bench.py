"""API benchmark: status endpoint throughput, and the filtered label-sorted list on 100k jobs.

    # (1) only: SQLite in a temporary folder
    .venv/bin/python bench/api_bench.py
    # (1) and (2): PostgreSQL (the database is created by migrate if needed; 100,000 jobs are
    # loaded once into partition "bench-list" and kept for the next runs; --reload reloads them)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/jobservice_api_bench .venv/bin/python bench/api_bench.py

Options: --server gunicorn|runserver (gunicorn), --port (8765), --threads (4), --seconds per round (3), --rounds (3), --samples (21).

(1) starts the service (gunicorn, one process with threads; or --server runserver) with bench/api_settings.py
and measures requests/s of GET .../jobs/{id}/status against GET /bench/noop, a DRF endpoint
that touches no database, on the same server, with keep-alive http.client connections in a
few threads. Status is called as workers call it, through the signed statusCheckUrl (no token
to look up); "status+token" as a client with an API token does (one more indexed query).
Target: status >= 70% of noop. On PostgreSQL each request also pays Django's
connection health check (a SELECT 1 round trip) when DATABASE_CONN_HEALTH_CHECKS=true:
measured about 60% with it and 80-100% without it (the default). Client and server share the machine's
cores, so figures vary between runs.
(2) times GET .../jobs?filter=status==Active;labels.tag==x*&sort=labels.tag:asc&limit=25 on a
partition of 100,000 jobs with labels. Target: median < 50 ms.
"""
import argparse
import http.client
import os
import random
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIST_PARTITION = "bench-list"
LIST_JOBS = 100_000
STATUS_PATH = "/job-service/v1/partitions/bench/jobs/status-job/status"  # + ?signature=
NOOP_PATH = "/bench/noop"
LIST_QUERY = (
    f"/job-service/v1/partitions/{LIST_PARTITION}/jobs"
    "?filter=status%3D%3DActive%3Blabels.tag%3D%3Dx*&sort=labels.tag:asc&limit=25"
)


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.api_settings"
    import django

    django.setup()


def server_command(kind: str, port: int, threads: int) -> list[str]:
    if kind == "gunicorn":
        # One process with threads: both endpoints get the same share of the 2 cores.
        return [
            str(Path(sys.executable).parent / "gunicorn"), "jobservice.wsgi:application",
            "--worker-class", "gthread", "--workers", "1", "--threads", str(threads),
            "--bind", f"127.0.0.1:{port}", "--keep-alive", "30",
        ]
    return [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"]


def start_server(command: list[str], port: int) -> subprocess.Popen:
    subprocess.run([sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"], cwd=ROOT, check=True)
    server = subprocess.Popen(
        command,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/job-service/v1/ping")
            if connection.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("the server did not start")


def requests_per_second(port: int, path: str, threads: int, seconds: float, headers: dict | None = None) -> float:
    """Requests/s of `threads` clients, each on one keep-alive connection, for `seconds`."""
    counts = [0] * threads
    stop = time.monotonic() + seconds

    def client(index: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        while time.monotonic() < stop:
            connection.request("GET", path, headers=headers or {})
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                raise SystemExit(f"{path} answered {response.status}")
            counts[index] += 1
        connection.close()

    workers = [threading.Thread(target=client, args=(index,)) for index in range(threads)]
    started = time.monotonic()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return sum(counts) / (time.monotonic() - started)


def signed_status_path() -> str:
    from jobs.auth.status_signature import status_signature

    return f"{STATUS_PATH}?signature={status_signature('bench', 'status-job')}"


def read_token_headers() -> dict[str, str]:
    """An API token that reads the benchmark's partitions (replaced on each run)."""
    from jobs.auth.models import Right
    from jobs.auth.tokens import api_token_create

    _, presented = api_token_create(name="api-bench", partitions=["bench*"], rights=[Right.READ], replace=True)
    return {"Authorization": f"Bearer {presented}"}


def create_status_job() -> None:
    from django.utils import timezone

    from jobs.models import Job

    now = timezone.now()
    Job.objects.get_or_create(
        partition_id="bench",
        job_id="status-job",
        defaults={"create_date": now, "last_update_date": now, "status": "Active", "job_hash": "bench"},
    )


def load_list_jobs(reload: bool) -> None:
    from django.db import transaction
    from django.utils import timezone

    from jobs.models import Job, Label
    from jobs.states import JobStatus

    jobs = Job.objects.filter(partition_id=LIST_PARTITION)
    if not reload and jobs.count() == LIST_JOBS:
        print(f"list: reusing the {LIST_JOBS:,} jobs of partition {LIST_PARTITION}")
        return
    jobs.delete()
    print(f"list: loading {LIST_JOBS:,} jobs with labels ...", flush=True)
    rng = random.Random(42)
    statuses = list(JobStatus)
    now = timezone.now()
    started = time.monotonic()
    for chunk_start in range(0, LIST_JOBS, 5000):
        with transaction.atomic():
            created = Job.objects.bulk_create(
                [
                    Job(
                        partition_id=LIST_PARTITION,
                        job_id=f"job-{number:06}",
                        name=f"name {rng.randrange(1000)}",
                        create_date=now,
                        last_update_date=now,
                        status=rng.choice(statuses),
                        percentage_complete=rng.randrange(101),
                        job_hash="bench",
                    )
                    for number in range(chunk_start, chunk_start + 5000)
                ]
            )
            labels = []
            for job in created:
                labels.append(Label(job=job, label="tag", value=f"{rng.choice('xyz')}{rng.randrange(1000)}"))
                labels.append(Label(job=job, label="owner", value=rng.choice(["alice", "bob", "carol"])))
            Label.objects.bulk_create(labels)
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE jobs_job; ANALYZE jobs_label")
    print(f"list: loaded in {time.monotonic() - started:.1f} s")


def time_list(port: int, samples: int, headers: dict[str, str]) -> list[float]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    timings = []
    for _ in range(samples):
        started = time.perf_counter()
        connection.request("GET", LIST_QUERY, headers=headers)
        response = connection.getresponse()
        body = response.read()
        timings.append((time.perf_counter() - started) * 1000)
        if response.status != 200:
            raise SystemExit(f"list answered {response.status}: {body[:200]!r}")
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument(
        "--server",
        choices=["gunicorn", "runserver"],
        default="gunicorn",
        help="runserver answers in two writes, so Nagle's algorithm caps keep-alive clients at ~25 req/s each",
    )
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--samples", type=int, default=21)
    parser.add_argument("--reload", action="store_true", help="reload the 100k jobs of the list benchmark")
    args = parser.parse_args()

    on_postgres = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))
    data_dir = tempfile.TemporaryDirectory(prefix="api-bench-")
    os.environ["JOBSERVICE_DATA_DIR"] = data_dir.name
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.api_settings"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    # The server and this process must share it (signed status URLs).
    os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(50))
    server = start_server(server_command(args.server, args.port, args.threads), args.port)
    try:
        setup_django()
        create_status_job()
        status_path, token_headers = signed_status_path(), read_token_headers()
        print(f"database: {'PostgreSQL' if on_postgres else 'SQLite'}; server: {args.server}; "
              f"{args.threads} client threads, keep-alive")
        requests_per_second(args.port, status_path, args.threads, 1.0)  # warm-up
        noop, status, with_token = [], [], []
        for _ in range(args.rounds):  # alternate, so drift affects all alike
            noop.append(requests_per_second(args.port, NOOP_PATH, args.threads, args.seconds))
            status.append(requests_per_second(args.port, status_path, args.threads, args.seconds))
            with_token.append(requests_per_second(args.port, STATUS_PATH, args.threads, args.seconds, token_headers))
        ratio = statistics.median(status) / statistics.median(noop)
        for label, values in (("noop", noop), ("status", status), ("status+token", with_token)):
            print(f"{label:12} {statistics.median(values):8.0f} req/s (rounds: {', '.join(f'{v:.0f}' for v in values)})")
        print(f"status/noop = {ratio:.0%} (target >= 70%); "
              f"status+token/noop = {statistics.median(with_token) / statistics.median(noop):.0%}")
        if on_postgres:
            load_list_jobs(args.reload)
            time_list(args.port, 3, token_headers)  # warm-up
            timings = time_list(args.port, args.samples, token_headers)
            print(f"list filter=status==Active;labels.tag==x* sort=labels.tag:asc limit=25 on {LIST_JOBS:,} jobs: "
                  f"median {statistics.median(timings):.1f} ms, min {min(timings):.1f}, max {max(timings):.1f} "
                  f"({args.samples} samples; target < 50 ms)")
        else:
            print("list benchmark skipped: set DATABASE_URL=postgres://... to run it")
    finally:
        server.terminate()
        server.wait(timeout=10)
        data_dir.cleanup()


if __name__ == "__main__":
    main()
