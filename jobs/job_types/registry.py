"""The job types of this service: every `<id>.yaml` directly in
CAF_JOB_SERVICE_JOB_TYPE_DEFINITIONS_DIR, loaded once and cached.

The setting is read at call time and the cache is keyed by it, so a test that overrides the
setting gets the other folder; `reload()` forces a fresh read (e.g. after changing the
environment that configuration properties come from).
"""
import os
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path

from django.conf import settings

from jobs.job_types.definition import JobTypeDefinition, JobTypeDefinitionError, load_definition

DEFINITION_SUFFIX = ".yaml"

Registry = dict[str, JobTypeDefinition]

_lock = threading.Lock()
_cache: dict[str, Registry] = {}


class InvalidDefinitionsError(JobTypeDefinitionError):
    """One or more definitions are invalid; `problems` lists each one."""

    def __init__(self, problems: list[JobTypeDefinitionError]) -> None:
        lines = "\n".join(problem.message for problem in problems)
        super().__init__(f"Invalid job type definitions:\n{lines}")
        self.problems = problems


def definitions_dir() -> str:
    return settings.CAF_JOB_SERVICE_JOB_TYPE_DEFINITIONS_DIR


def job_types() -> Registry:
    """The loaded job types by id; empty when no definitions folder is configured. Raises
    JobTypeDefinitionError when the folder or a definition in it is invalid."""
    folder = definitions_dir()
    with _lock:
        registry = _cache.get(folder)
        if registry is None:
            registry = load_registry(folder)
            _cache[folder] = registry
        return registry


def reload() -> Registry:
    """Drops the cached job types and loads them again."""
    clear_cache()
    return job_types()


def clear_cache() -> None:
    with _lock:
        _cache.clear()


def load_registry(folder: str, environ: Mapping[str, str] = os.environ) -> Registry:
    if not folder:
        return {}
    directory = Path(folder)
    if not directory.is_dir():
        raise JobTypeDefinitionError(
            f"Job type definitions directory does not exist or is not a directory: {directory}"
        )
    return build_registry(_definition_files(directory), environ)


def build_registry(files: Iterable[tuple[str, Path]], environ: Mapping[str, str]) -> Registry:
    """Loads every (id, path); reports every invalid definition and every duplicate id at once,
    so an operator fixes them in one go."""
    registry: Registry = {}
    problems: list[JobTypeDefinitionError] = []
    paths: dict[str, Path] = {}
    for type_id, path in files:
        if type_id in paths:
            problems.append(
                JobTypeDefinitionError(f"{type_id}: duplicate job type ID (also {paths[type_id]})", path)
            )
            continue
        paths[type_id] = path
        try:
            registry[type_id] = load_definition(type_id, path, environ)
        except JobTypeDefinitionError as problem:
            problems.append(problem)
    if problems:
        raise InvalidDefinitionsError(problems)
    return registry


def _definition_files(directory: Path) -> list[tuple[str, Path]]:
    # Regular files only (sub-folders are ignored); the suffix is case-sensitive, as the id is.
    files = []
    for path in sorted(directory.iterdir()):
        if path.is_file() and path.name.endswith(DEFINITION_SUFFIX) and len(path.name) > len(DEFINITION_SUFFIX):
            files.append((path.name[: -len(DEFINITION_SUFFIX)], path))
    return files
