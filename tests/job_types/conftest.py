"""Fixtures for job types: the original's example definitions (copied under
tests/data/job-type-definitions) with the environment their tests give them, and a way to point the service at a
definitions folder."""
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from rest_framework.test import APIClient

from jobs import job_types
from jobs.job_types import registry

REPO_ROOT = Path(__file__).resolve().parents[2]

# Configuration values of the original's example definitions (the container tests set these
# environment variables); the names are the upper-cased configurationProperties.
ORIGINAL_ENVIRONMENT = {
    "CAF_JOB_SERVICE_JOB_TYPE_BASIC_TASK_PIPE": "basic-task-pipe",
    "CAF_JOB_SERVICE_JOB_TYPE_BASIC_TARGET_PIPE": "basic-target-pipe",
    "CAF_JOB_SERVICE_JOB_TYPE_CONFIG_UPPER": "upper value",
    "CAF_JOB_SERVICE_JOB_TYPE_CONFIG_LOWER": "lower value",
    "CAF_JOB_SERVICE_JOB_TYPE_CONFIG_MULTIPLE": "multiple value",
    "CAF_JOB_SERVICE_JOB_TYPE_CONFIG_NODESC": "nodesc value",
    "CAF_JOB_SERVICE_JOB_TYPE_CONFIG_NUMBER": "123",
    "CAF_JOB_SERVICE_JOB_TYPE_CONFIG_TASK_PIPE": "config-task-pipe",
    "CAF_JOB_SERVICE_JOB_TYPE_CONFIG_TARGET_PIPE": "config-target-pipe",
    "CAF_JOB_SERVICE_JOB_TYPE_PARAMS_TASK_PIPE": "params-task-pipe",
    "CAF_JOB_SERVICE_JOB_TYPE_PARAMS_TARGET_PIPE": "params-target-pipe",
    "CAF_JOB_SERVICE_JOB_TYPE_NULL-TARGET-PIPE_TASK_PIPE": "null-target-pipe-task-pipe",
    "CAF_JOB_SERVICE_JOB_TYPE_COMPLEX-TRANSFORM_TASK_PIPE": "complex-task-pipe",
    "CAF_JOB_SERVICE_JOB_TYPE_COMPLEX-TRANSFORM_TARGET_PIPE": "complex-target-pipe",
}

# Configuration of the definitions shipped in job-types/ (scripts/serve gives the same defaults).
SHIPPED_ENVIRONMENT = {
    "EXAMPLE_WORKER_QUEUE": "example-in",
    "EXAMPLE_WORKER_OUTPUT_QUEUE": "example-out",
    "BATCH_WORKER_QUEUE": "batch-in",
    "EXPORT_WORKER_QUEUE": "export-in",
    "EXPORT_WORKER_OUTPUT_QUEUE": "export-out",
}


# The original's example definitions, copied with their licence (tests/data/README.md).
ORIGINAL_DEFINITIONS_DIR = REPO_ROOT / "tests" / "data" / "job-type-definitions"
SHIPPED_DEFINITIONS_DIR = REPO_ROOT / "job-types"

UseDefinitions = Callable[[Path | str], dict]


@pytest.fixture
def client(api_client: APIClient) -> APIClient:
    """Sends a token that may do everything (tests/conftest.py)."""
    return api_client


@pytest.fixture
def use_definitions(settings) -> Iterator[UseDefinitions]:
    """Points the service at a definitions folder and loads it; the cache is dropped afterwards
    so no other test sees these definitions."""

    def use(folder: Path | str) -> dict:
        settings.CAF_JOB_SERVICE_JOB_TYPE_DEFINITIONS_DIR = str(folder)
        return job_types.reload()

    yield use
    registry.clear_cache()


@pytest.fixture
def original_definitions(use_definitions, monkeypatch) -> dict:
    """The original's example job types, loaded with the environment of its tests."""
    assert ORIGINAL_DEFINITIONS_DIR.is_dir(), f"test data not found: {ORIGINAL_DEFINITIONS_DIR}"
    for name, value in ORIGINAL_ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    return use_definitions(ORIGINAL_DEFINITIONS_DIR)


@pytest.fixture
def shipped_definitions(use_definitions, monkeypatch) -> dict:
    for name, value in SHIPPED_ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    return use_definitions(SHIPPED_DEFINITIONS_DIR)


@pytest.fixture
def write_definition(tmp_path) -> Callable[[str, str], Path]:
    """Writes `<id>.yaml` with the given text into a fresh definitions folder (tmp_path)."""

    def write(type_id: str, text: str) -> Path:
        path = tmp_path / f"{type_id}.yaml"
        path.write_text(text, encoding="utf-8")
        return path

    return write
