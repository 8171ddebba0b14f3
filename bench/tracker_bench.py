"""Tracker benchmark: completion reports applied per second, and the tracker's peak memory.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/jobservice_tracker_bench \
    BROKER_URL=amqp://guest:guest@127.0.0.1:5672// .venv/bin/python bench/tracker_bench.py

Options: --sizes 1000,10000,100000  --per-message 5  --batch-size 1000.

For each N: one job split three levels deep (e.g. 10 x 100 x 100 items, final markers right),
N Complete reports packed `--per-message` per TrackingReportTask message (workers buffer up
to 5). `manage.py run_tracker` runs as a subprocess on a fresh queue; once it consumes, one
warm-up report (another job) goes through it, as in a long-running tracker; then the N
reports are published and the tracker runs until it has consumed them all.
Reports/s = N / (time from the first publish to the last batch logged by the tracker, timed
by this script as the child's log lines arrive): end to end through the broker, publishing
overlapping consumption; small N are dominated by fixed latency (publish, then one batch).
Applied/s = N / (sum of the batch durations the tracker logs): the tracker's own cost per
report (decode, database, publish, ack), the figure that must not grow with the job. Peak memory = the tracker's VmHWM as it logs it after each batch
(ru_maxrss of the child would include this script's memory at fork time: Linux keeps it
across exec). Each size runs
`--repeat` times (the machine is shared and noisy); the run with the median rate is shown. The job must end Completed
at 100 %. Target: >= 5,000 reports/s, flat within ±20 % from 1,000 to 100,000, memory flat.
The database is created and migrated if needed; the bench job rows are removed afterwards.
"""
import argparse
import os
import re
import secrets
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jobservice.settings")
# The service refuses to start without a secret key; the processes started here inherit this one.
os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(50))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/jobservice_tracker_bench")
os.environ.setdefault("BROKER_URL", "amqp://guest:guest@127.0.0.1:5672//")
os.environ.setdefault("CAF_RABBITMQ_QUEUE_TYPE", "quorum")
os.environ.setdefault("JOBSERVICE_DATA_DIR", tempfile.mkdtemp(prefix="tracker-bench-"))

BATCH_LINE = re.compile(r"(\d+) report\(s\) applied.*, (\d+) ms, peak rss (\d+) MiB")
SHAPES = {1_000: (10, 10, 10), 10_000: (10, 10, 100), 100_000: (10, 100, 100)}
PARTITION = "bench"


def ensure_database() -> None:
    import psycopg
    from django.conf import settings

    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.postgresql":
        return
    with psycopg.connect(
        host=db["HOST"], port=db["PORT"] or 5432, user=db["USER"], password=db["PASSWORD"] or None,
        dbname="postgres", autocommit=True,
    ) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db["NAME"]]).fetchone()
        if not exists:
            admin.execute(psycopg.sql.SQL("CREATE DATABASE {}").format(psycopg.sql.Identifier(db["NAME"])))


def leaf_ids(job_id: str, shape: tuple[int, ...]) -> list[str]:
    ids = [job_id]
    for width in shape:
        ids = [f"{parent}.{n}{'*' if n == width else ''}" for parent in ids for n in range(1, width + 1)]
    return ids


def shape_for(size: int) -> tuple[int, ...]:
    if size in SHAPES:
        return SHAPES[size]
    side = round(size ** (1 / 3))
    return (side, side, max(1, size // (side * side)))


def create_job(job_id: str):
    from django.utils import timezone

    from jobs.models import Job, JobTask

    now = timezone.now()
    job = Job.objects.create(
        partition_id=PARTITION, job_id=job_id, create_date=now, last_update_date=now, job_hash="bench"
    )
    JobTask.objects.create(
        job=job, task_classifier="BatchWorker", task_api_version=1, task_data=b"{}", task_pipe="bench-in",
        eligible_to_run_date=now,
    )
    return job


def report_messages(queue: str, leaves: list[str], per_message: int) -> list[bytes]:
    from jobservice.messaging.messages import ReportStatus, TrackingReport, tracking_report_message

    return [
        tracking_report_message(
            [TrackingReport(f"{PARTITION}:{leaf}", ReportStatus.COMPLETE) for leaf in leaves[i : i + per_message]],
            tracking_pipe=queue,
            correlation_id=None,
        ).encode()
        for i in range(0, len(leaves), per_message)
    ]


def publish(publisher, queue: str, bodies: list[bytes]) -> None:
    from jobservice.messaging.broker import OutgoingMessage

    for start in range(0, len(bodies), 2000):
        publisher.publish_batch([OutgoingMessage(queue, body) for body in bodies[start : start + 2000]])


def run_tracker(
    queue: str, warm_up: list[bytes], bodies: list[bytes], batch_size: int
) -> tuple[float, float, float, int]:
    """Starts the tracker, warms it up with `warm_up`, then publishes `bodies` and waits until
    it consumed them all; returns (seconds from the first publish to the last batch applied,
    seconds the tracker spent processing batches, start-up seconds, peak MiB)."""
    from django.conf import settings

    from jobservice.messaging.broker import Publisher

    command = [
        sys.executable, "manage.py", "run_tracker", "--queue", queue, "--max-messages",
        str(len(warm_up) + len(bodies)), "--batch-size", str(batch_size), "--sweep-seconds", "3600",
    ]
    started = time.monotonic()
    child = subprocess.Popen(
        command, cwd=ROOT, env=os.environ | {"PYTHONUNBUFFERED": "1"}, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True,
    )
    lines: list[str] = []
    marks: dict[str, float] = {}
    consuming, warm = threading.Event(), threading.Event()

    def read() -> None:
        for line in child.stdout:
            now = time.monotonic()
            lines.append(line.rstrip())
            if "Tracker consuming" in line:
                marks["consuming"] = now
                consuming.set()
            elif "Batch of" in line:
                marks["last_batch"] = now
                batch = BATCH_LINE.search(line)
                marks["peak_mib"] = int(batch.group(3))
                if warm.is_set():
                    marks["busy"] = marks.get("busy", 0.0) + int(batch.group(2)) / 1000
                warm.set()

    reader = threading.Thread(target=read)
    reader.start()
    publisher = Publisher(settings.BROKER_URL, queue_type=settings.BROKER_QUEUE_TYPE, data_dir=settings.BROKER_DATA_DIR)
    try:
        if consuming.wait(60):
            publish(publisher, queue, warm_up)
            if warm.wait(60):
                marks["first_publish"] = time.monotonic()
                publish(publisher, queue, bodies)
    finally:
        publisher.close()
    child.wait()
    reader.join()
    if child.returncode != 0 or "first_publish" not in marks:
        raise SystemExit("tracker failed:\n" + "\n".join(lines[-30:]))
    return (marks["last_batch"] - marks["first_publish"], marks.get("busy", 0.0), marks["consuming"] - started,
            marks["peak_mib"])


def delete_queue(queue: str) -> None:
    from django.conf import settings

    from jobservice.messaging.broker import connect

    if settings.BROKER_URL.startswith("amqp"):
        with connect(settings.BROKER_URL) as connection:
            connection.channel().queue_delete(queue)


def run_once(size: int, args: argparse.Namespace) -> tuple:
    from jobs.models import Job
    from jobs.states import JobStatus
    from tracking.models import TaskProgress

    shape = shape_for(size)
    job_id = f"bench{uuid.uuid4().hex[:8]}"
    queue = f"tracker-bench-{uuid.uuid4().hex[:8]}"
    job = create_job(job_id)
    warm_job = create_job(f"warm{uuid.uuid4().hex[:8]}")
    leaves = leaf_ids(job_id, shape)
    bodies = report_messages(queue, leaves, args.per_message)
    warm_up = report_messages(queue, leaf_ids(warm_job.job_id, (1,)), 1)
    messages = len(bodies)
    try:
        seconds, busy, startup, peak_mib = run_tracker(queue, warm_up, bodies, args.batch_size)
    finally:
        delete_queue(queue)
        Job.objects.filter(pk=warm_job.pk).delete()
    job.refresh_from_db()
    ok = job.status == JobStatus.COMPLETED and job.percentage_complete == 100.0
    TaskProgress.objects.filter(job_pk=job.pk).delete()
    Job.objects.filter(pk=job.pk).delete()
    return (len(leaves), "x".join(map(str, shape)), messages, seconds, len(leaves) / seconds,
            len(leaves) / busy, peak_mib, startup, ok)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--per-message", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=1000, help="messages per tracker batch")
    parser.add_argument("--repeat", type=int, default=3, help="runs per size; the median run is shown")
    args = parser.parse_args()

    import django

    django.setup()
    ensure_database()
    from django.conf import settings
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    print(f"database {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}, broker "
          f"{settings.BROKER_URL.split(':', 1)[0]} ({settings.BROKER_QUEUE_TYPE}), "
          f"{args.per_message} reports/message, batch {args.batch_size} messages")
    rows = []
    for size in [int(value) for value in args.sizes.split(",")]:
        runs = sorted((run_once(size, args) for _ in range(args.repeat)), key=lambda run: run[5])
        rows.append(runs[len(runs) // 2])

    print(f"{'reports':>8} {'shape':>10} {'messages':>8} {'seconds':>8} {'reports/s':>10} {'applied/s':>10} "
          f"{'peak MiB':>9} {'startup s':>9}  job")
    for count, shape, messages, seconds, rate, applied_rate, peak, startup, ok in rows:
        print(f"{count:>8} {shape:>10} {messages:>8} {seconds:>8.2f} {rate:>10.0f} {applied_rate:>10.0f} "
              f"{peak:>9.1f} {startup:>9.2f}  {'Completed 100%' if ok else 'NOT COMPLETED'}")
    for column, name in ((4, "reports/s"), (5, "applied/s")):
        rates = [row[column] for row in rows]
        mean = sum(rates) / len(rates)
        deviation = max(abs(rate - mean) for rate in rates) / mean * 100
        print(f"{name}: min {min(rates):.0f}, every size within ±{deviation:.0f}% of the mean")
    print("target: >= 5000 reports/s, flat within ±20% from 1,000 to 100,000, memory flat")


if __name__ == "__main__":
    main()
