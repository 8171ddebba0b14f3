"""End-to-end throughput of the pipeline, against a bare kombu + psycopg baseline.

    .venv/bin/python bench/pipeline_bench.py [--sizes 10000 100000] [--example-workers 2]
        [--postgres postgres://postgres@127.0.0.1:5432/postgres] [--amqp amqp://guest:guest@127.0.0.1:5672//]

For each size: a fresh database `jobservice_e2e_<hex>` (dropped afterwards), the whole
service as separate processes (tests/e2e/harness.py: API server, scheduler, tracker, paused store, batch worker, example
workers), one RangeBatchPlugin job of that many items created with PUT; the time from the PUT
to the job read as Completed gives items/s. Every process's peak resident memory (VmHWM from
/proc/<pid>/status, sampled while it runs) is printed per size, so growth with the size shows.

The baseline (bench/pipeline_baseline.py) moves the same messages with plain kombu and psycopg
and the same number of worker processes: one item message, one result and one tracking report
per item, completions written to PostgreSQL in batches. Our rate is printed as a ratio of it.
"""
from __future__ import annotations

import argparse
import json
import os
import secrets
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jobservice.settings")
# The service refuses to start without a secret key; the processes started here inherit this one.
os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(50))

import psycopg  # noqa: E402
from kombu import Connection, Producer  # noqa: E402

from bench.pipeline_baseline import DEFAULT_EXCHANGE, names, queue  # noqa: E402
from tests.e2e.harness import PYTHON, Pipeline, drop_postgres_database, recreate_postgres_database  # noqa: E402


def peak_rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process so far (/proc/<pid>/stat fields 14 and 15)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class MemorySampler(threading.Thread):
    """Keeps the last VmHWM of each process (the kernel keeps the peak; sampling keeps the
    value readable until the process exits)."""

    def __init__(self, pids: dict[str, int], every: float = 0.5) -> None:
        super().__init__(daemon=True)
        self.pids = pids
        self.every = every
        self.peaks: dict[str, float] = {}
        self.cpu: dict[str, float] = {}
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.is_set():
            self.sample()
            self._done.wait(self.every)

    def sample(self) -> None:
        for name, pid in self.pids.items():
            value = peak_rss_mb(pid)
            if value is not None:
                self.peaks[name] = max(self.peaks.get(name, 0.0), value)
            cpu = cpu_seconds(pid)
            if cpu is not None:
                self.cpu[name] = cpu

    def stop(self) -> dict[str, float]:
        self.sample()
        self._done.set()
        self.join()
        return self.peaks


def run_pipeline(size: int, *, postgres: str, amqp: str,
                 example_workers: int) -> tuple[float, dict[str, float], dict[str, float]]:
    workdir = Path(tempfile.mkdtemp(prefix=f"pipeline-bench-{size}-"))
    database_url = recreate_postgres_database(postgres)
    pipeline = Pipeline(database_url=database_url, broker_url=amqp, workdir=workdir,
                        example_workers=example_workers)
    try:
        pipeline.start()
        sampler = MemorySampler(pipeline.pids())
        sampler.start()
        job_id = f"bench-{size}"
        started = time.monotonic()
        pipeline.create_job(job_id, pipeline.batch_task(f"1-{size}"))
        final = pipeline.watch(job_id, until=lambda job: job["status"] in ("Completed", "Failed", "Cancelled"),
                               timeout=3600, every=0.5)[-1]
        elapsed = time.monotonic() - started
        peaks = sampler.stop()
        if final["status"] != "Completed" or final["percentageComplete"] != 100:
            raise SystemExit(f"job ended {final['status']} {final['percentageComplete']}%; logs in {workdir}")
        return size / elapsed, peaks, sampler.cpu
    finally:
        pipeline.stop()
        pipeline.delete_queues()
        drop_postgres_database(database_url)


def run_baseline(size: int, *, postgres: str, amqp: str, workers: int) -> float:
    tag = uuid.uuid4().hex[:8]
    database_url = recreate_postgres_database(postgres)
    with psycopg.connect(database_url, autocommit=True) as db:
        db.execute("CREATE TABLE baseline_completion (task_id text PRIMARY KEY)")
    queues = names(tag)
    with Connection(amqp) as connection:
        for name in queues.values():
            queue(name)(connection.default_channel).declare()
    bench_dir = str(ROOT / "bench")
    processes = [subprocess.Popen([PYTHON, f"{bench_dir}/pipeline_baseline.py", "worker", amqp, tag])
                 for _ in range(workers)]
    processes.append(subprocess.Popen([PYTHON, f"{bench_dir}/pipeline_baseline.py", "tracker", amqp,
                                       database_url, tag]))
    try:
        time.sleep(1.5)  # let the consumers attach
        started = time.monotonic()
        with Connection(amqp) as connection:
            producer = Producer(connection.channel(), exchange=DEFAULT_EXCHANGE)
            for number in range(1, size + 1):
                body = json.dumps({"taskId": f"bench:{tag}.{number}", "n": number})
                producer.publish(body, routing_key=queues["items"], delivery_mode=2, content_type="text/plain",
                                 serializer=None)
        with psycopg.connect(database_url, autocommit=True) as db:
            while db.execute("SELECT count(*) FROM baseline_completion").fetchone()[0] < size:
                time.sleep(0.2)
        return size / (time.monotonic() - started)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)
        with Connection(amqp) as connection:
            for name in queues.values():
                queue(name)(connection.default_channel).delete()
        drop_postgres_database(database_url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--example-workers", type=int, default=2)
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--amqp", default="amqp://guest:guest@127.0.0.1:5672//")
    args = parser.parse_args()

    results = {}
    for size in args.sizes:
        print(f"pipeline, {size} items ...", flush=True)
        results[size] = run_pipeline(size, postgres=args.postgres, amqp=args.amqp,
                                     example_workers=args.example_workers)
        print(f"  {results[size][0]:.0f} items/s", flush=True)
    baselines = {}
    for size in args.sizes:
        print(f"baseline, {size} items ...", flush=True)
        baselines[size] = run_baseline(size, postgres=args.postgres, amqp=args.amqp, workers=args.example_workers)

    print()
    print(f"{'items':>8} {'items/s':>8} {'baseline':>9} {'ratio':>6}   (baseline: plain kombu + psycopg, "
          f"{args.example_workers} worker process(es))")
    for size, (rate, _, _) in results.items():
        print(f"{size:>8} {rate:>8.0f} {baselines[size]:>9.0f} {rate / baselines[size]:>6.2f}")
    print()
    processes = sorted({name for _, peaks, _ in results.values() for name in peaks})
    print("peak memory (VmHWM, MB)")
    print(f"{'process':<16}" + "".join(f"{size:>10}" for size in results))
    for name in processes:
        print(f"{name:<16}" + "".join(f"{results[size][1].get(name, 0):>10.1f}" for size in results))
    print()
    print("CPU seconds per 1000 items (user + system)")
    print(f"{'process':<16}" + "".join(f"{size:>10}" for size in results))
    for name in processes:
        print(f"{name:<16}" + "".join(f"{results[size][2].get(name, 0) / size * 1000:>10.2f}" for size in results))


if __name__ == "__main__":
    main()
