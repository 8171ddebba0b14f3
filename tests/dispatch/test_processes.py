"""The two daemons as real processes: they keep running through errors and stop on SIGTERM."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

pytestmark = pytest.mark.slow


def start(command: str, data_dir: Path) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "BROKER_URL")}
    # An empty SQLite database (no tables) in a folder of this test: every query fails.
    env |= {"JOBSERVICE_DATA_DIR": str(data_dir), "CAF_SCHEDULED_EXECUTOR_PERIOD": "0.2"}
    return subprocess.Popen(
        [sys.executable, "manage.py", command], cwd=settings.BASE_DIR, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )


def stop(process: subprocess.Popen) -> str:
    process.send_signal(signal.SIGTERM)
    try:
        output, _ = process.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
        pytest.fail(f"did not stop on SIGTERM:\n{output}")
    assert process.returncode == 0, output
    return output


def test_scheduler_survives_database_errors_and_stops_on_sigterm(tmp_path: Path) -> None:
    process = start("run_scheduler", tmp_path)
    time.sleep(3)
    assert process.poll() is None  # still running despite the failing database
    output = stop(process)
    assert "Dispatch round failed" in output
    assert "Scheduler stopped" in output


def test_paused_store_stops_on_sigterm(tmp_path: Path) -> None:
    process = start("run_paused_store", tmp_path)
    time.sleep(3)
    assert process.poll() is None
    stop(process)
