"""Finding batch plugins and task message builders by name (docs/batching.md, "Plugins").

Lookup order for a name:
1. the built-in names, overridden/extended by a settings dict name -> dotted path
   (`BATCH_PLUGINS`, `BATCH_TASK_BUILDERS`);
2. Python entry points (groups `jobservice.batch_plugins`, `jobservice.task_builders`), so an
   installed package adds plugins without touching settings;
3. a dotted path `package.module.Class` (as the original accepts a class name), only when
   `BATCH_ALLOW_DOTTED_PATHS` is true (default false) and the module is under one of
   `BATCH_DOTTED_PATH_PREFIXES` (whole components). The name is checked before anything is
   imported: importing runs a module's code, so a job must not choose which module that is.
   Only classes/objects with the expected method are accepted, so a job cannot make the
   worker call an arbitrary function.

A registered class is instantiated once (plugins and builders must be stateless); an object
(an instance) is used as it is. Whatever loading raises (an ImportError, a module that calls
`sys.exit()` when imported, a constructor's bug) makes the name unknown, with the reason in the
log: the batch fails with "Invalid batch type", the worker goes on (user_code.py).
"""
from __future__ import annotations

import importlib
import logging
from functools import lru_cache
from importlib.metadata import entry_points
from typing import Any

from django.conf import settings

from batching.user_code import describe, is_process_interrupt

logger = logging.getLogger(__name__)

PLUGIN_ENTRY_POINTS = "jobservice.batch_plugins"
BUILDER_ENTRY_POINTS = "jobservice.task_builders"

BUILTIN_PLUGINS = {
    "AssetIdBatchPlugin": "batching.plugins.ids.IdListPlugin",
    "RangeBatchPlugin": "batching.plugins.ranges.RangePlugin",
    "GlobPattern": "batching.plugins.files.GlobFilesPlugin",
}
BUILTIN_BUILDERS = {
    "ExampleWorkerTaskBuilder": "batching.builders.ExampleWorkerTaskBuilder",
    "GenericTaskBuilder": "batching.builders.GenericTaskBuilder",
    "DocumentMessage": "batching.builders.DocumentMessageBuilder",
}


class Registry:
    def __init__(self, *, builtins: dict[str, str], setting: str, group: str, method: str) -> None:
        self.builtins = builtins
        self.setting = setting
        self.group = group
        self.method = method
        self._instances: dict[tuple[str, str], Any] = {}

    def names(self) -> list[str]:
        return sorted({*self._configured(), *(entry.name for entry in _entry_points(self.group))})

    def get(self, name: str | None) -> Any | None:
        """The plugin/builder called `name`, or None when there is none by that name."""
        if not name:
            return None
        path = self._configured().get(name)
        if path is not None:
            return self._shared(path, lambda: _import(path))
        for entry in _entry_points(self.group):
            if entry.name == name:
                return self._shared(f"entry point {entry.value}", entry.load)
        if "." in name and dotted_path_allowed(name):
            return self._load(name, lambda: self._instance(_import(name)))
        return None

    def _configured(self) -> dict[str, str]:
        return {**self.builtins, **getattr(settings, self.setting, {})}

    def _shared(self, key: str, load: Any) -> Any | None:
        cache_key = (key, self.setting)
        if cache_key not in self._instances:
            # A broken registration is not cached: a fixed deployment needs no restart.
            instance = self._load(key, lambda: self._instance(load()))
            if instance is None:
                return None
            self._instances[cache_key] = instance
        return self._instances[cache_key]

    def _load(self, key: str, load: Any) -> Any | None:
        try:
            return load()
        except BaseException as exc:  # noqa: BLE001 - SystemExit of an import included (user_code.py)
            if is_process_interrupt(exc):
                raise
            logger.warning("Cannot load %s (%s): %s", key, self.setting, describe(exc),
                           exc_info=not isinstance(exc, ImportError | AttributeError))
            return None

    def _instance(self, target: Any) -> Any | None:
        if not callable(getattr(target, self.method, None)):
            logger.warning("%r has no %s() method; ignored", target, self.method)
            return None
        return target() if isinstance(target, type) else target

    def clear(self) -> None:
        self._instances.clear()


def dotted_path_allowed(name: str) -> bool:
    """Whether `name` may be imported: dotted paths allowed, and its module under a prefix of
    BATCH_DOTTED_PATH_PREFIXES on whole components (`a.b` allows `a.b.C` and `a.b.c.D`, not
    `a.bc.D`). Decided from the text alone, before any import."""
    if not getattr(settings, "BATCH_ALLOW_DOTTED_PATHS", False):
        return False
    parts = name.split(".")
    if len(parts) < 2 or not all(part.isidentifier() for part in parts):
        return False
    module = parts[:-1]
    for prefix in getattr(settings, "BATCH_DOTTED_PATH_PREFIXES", ()):
        wanted = [part.strip() for part in prefix.split(".")]
        if all(wanted) and module[:len(wanted)] == wanted:
            return True
    logger.info("Dotted path %r refused: its module is not under BATCH_DOTTED_PATH_PREFIXES", name)
    return False


def _import(path: str) -> Any:
    module_name, _, attribute = path.rpartition(".")
    if not module_name:
        raise ImportError(f"{path!r} is not a dotted path")
    return getattr(importlib.import_module(module_name), attribute)


@lru_cache(maxsize=None)
def _entry_points(group: str) -> tuple[Any, ...]:
    return tuple(entry_points(group=group))


plugins = Registry(builtins=BUILTIN_PLUGINS, setting="BATCH_PLUGINS", group=PLUGIN_ENTRY_POINTS,
                   method="process_batch")
builders = Registry(builtins=BUILTIN_BUILDERS, setting="BATCH_TASK_BUILDERS", group=BUILDER_ENTRY_POINTS,
                    method="build")
