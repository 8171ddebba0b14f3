"""The plugin model of the batch worker (docs/batching.md, "Plugins").

A **batch plugin** turns a batch definition into work. It gets the definition (a string only
it understands), the task message builder named by the job's `taskMessageType` (or None), the
job's `taskMessageParams`, and a **registrar**. Through the registrar it may, any number of
times and in any mix:

- `registrar.register_batch(definition)`: a sub-batch, processed later by a batch worker
  (maybe another instance) with the same plugin, builder, params and target pipe;
- `registrar.register_item(classifier, api_version, data)`: one task for the target worker,
  `data` being any JSON-serialisable value (it becomes the task's `taskData`).

Every registration is sent at once (in confirmed chunks), so a plugin that iterates lazily
(a generator, `os.scandir`, a server-side cursor) keeps the worker's memory flat however big
the batch is. Registrations are numbered in call order; a redelivered batch must register the
same things in the same order (the ids are then the same and duplicates are harmless).

Raise `BatchDefinitionError` for a definition that cannot be processed (the job fails with
the message) and `BatchTransientError` for a temporary problem (the batch is retried).

A **task message builder** turns one item (a string: an id, a path, a number) into one task
for the target worker: `builder.build(item, params) -> ItemTask`.

Plugins and builders are shared by all messages of a worker process: keep them stateless.

    class EveryLine:
        "One task per line of the definition."
        def process_batch(self, definition, *, builder, params, registrar):
            for line in definition.splitlines():
                register_built(registrar, require_builder(builder), line, params)

Register it in settings (`BATCH_PLUGINS = {"EveryLine": "myapp.plugins.EveryLine"}`) or as a
Python entry point of group `jobservice.batch_plugins`; builders likewise with
`BATCH_TASK_BUILDERS` / `jobservice.task_builders`.
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar, runtime_checkable

from batching.errors import BatchDefinitionError

T = TypeVar("T")


@dataclass(frozen=True)
class ItemTask:
    """What a builder makes of one item: the target worker's classifier, api version, data."""

    classifier: str
    api_version: int
    data: Any


@runtime_checkable
class TaskBuilder(Protocol):
    def build(self, item: Any, params: Mapping[str, str]) -> ItemTask: ...


class Registrar(Protocol):
    def register_batch(self, definition: str) -> None: ...

    def register_item(self, classifier: str, api_version: int, data: Any) -> None: ...


@runtime_checkable
class BatchPlugin(Protocol):
    def process_batch(
        self,
        definition: str | None,
        *,
        builder: TaskBuilder | None,
        params: Mapping[str, str],
        registrar: Registrar,
    ) -> None: ...


def require_builder(builder: TaskBuilder | None) -> TaskBuilder:
    if builder is None:
        raise BatchDefinitionError("This batch type needs a taskMessageType naming a task message builder.")
    return builder


def register_built(registrar: Registrar, builder: TaskBuilder, item: Any, params: Mapping[str, str]) -> None:
    task = builder.build(item, params)
    registrar.register_item(task.classifier, task.api_version, task.data)


def positive_int_param(params: Mapping[str, str], name: str, default: int) -> int:
    """A per-job override of a tuning setting (`fanout`, `leafSize`) from taskMessageParams."""
    raw = params.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BatchDefinitionError(f"taskMessageParams.{name} must be a whole number, not {raw!r}") from None
    if value < 1:
        raise BatchDefinitionError(f"taskMessageParams.{name} must be at least 1, not {value}")
    return value


def split_evenly(values: Sequence[T], parts: int) -> Iterator[Sequence[T]]:
    """`values` cut into at most `parts` contiguous slices whose sizes differ by at most one."""
    count = len(values)
    parts = max(1, min(parts, count))
    start = 0
    for index in range(parts):
        end = start + count // parts + (1 if index < count % parts else 0)
        yield values[start:end]
        start = end
