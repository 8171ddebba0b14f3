"""End-to-end fixtures: the whole service as separate processes (see harness.py)."""
from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from django.conf import settings

from tests.conftest import skip_or_fail
from tests.e2e.harness import Pipeline, drop_postgres_database, recreate_postgres_database


@pytest.fixture(scope="module")
def server_pipeline(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pipeline]:
    """PostgreSQL (a fresh database `jobservice_e2e_<hex>`, dropped afterwards) and RabbitMQ,
    shared by a module's tests."""
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        skip_or_fail("needs PostgreSQL: set DATABASE_URL=postgres://...")
    if not settings.BROKER_URL.startswith("amqp"):
        skip_or_fail("needs RabbitMQ: set BROKER_URL=amqp://...")
    database_url = recreate_postgres_database(os.environ["DATABASE_URL"])
    pipeline = Pipeline(database_url=database_url, broker_url=settings.BROKER_URL,
                        workdir=tmp_path_factory.mktemp("e2e-server"), example_workers=2)
    try:
        yield from _running(pipeline)
    finally:
        drop_postgres_database(database_url)


@pytest.fixture(scope="module")
def embedded_pipeline(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pipeline]:
    """The embedded defaults: an SQLite file and the filesystem:// broker in a temp folder."""
    workdir = tmp_path_factory.mktemp("e2e-embedded")
    pipeline = Pipeline(database_url=f"sqlite:///{workdir / 'jobservice.sqlite3'}",
                        broker_url="filesystem://", workdir=workdir)
    yield from _running(pipeline)


def _running(pipeline: Pipeline) -> Iterator[Pipeline]:
    try:
        pipeline.start()
        yield pipeline
    finally:
        pipeline.stop()
        pipeline.delete_queues()
