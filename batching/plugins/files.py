"""`GlobPattern`: the files under the configured root (setting BATCH_FILES_ROOT) whose path
matches a glob, one item per file, the item being the path relative to the root.

Definition: a glob relative to the root (`reports/**/*.txt`, `sub-dir/**.txt`; syntax in
globbing.py). The batch is split by folder: a message lists one folder with `os.scandir` (an
iterator: a folder of a million files never sits in memory), registers one item per matching
file as it goes, and one sub-batch per sub-folder that may hold matches. A sub-batch
definition is `{"dir": "<folder>", "glob": ...}`.

Nothing leaves the root: absolute paths and `..` are refused, symbolic links are not followed.
The order of a folder's entries is the file system's (not sorted: sorting means listing).
Errors: a root that cannot be read is a temporary problem (a share not mounted) and the batch
is retried; a sub-folder gone since its parent was listed gives no items; an unreadable
sub-folder is skipped with a warning, as in the original; a name that is not UTF-8 cannot
travel in a message and is skipped with a warning; a folder path the system refuses (too
long, a loop) fails the batch.
"""
from __future__ import annotations

import errno
import json
import logging
import os
from collections.abc import Mapping
from pathlib import Path

from django.conf import settings

from batching import limits
from batching.errors import BatchDefinitionError, BatchTransientError
from batching.plugins.base import Registrar, TaskBuilder, register_built, require_builder
from batching.plugins.globbing import Glob, compile_glob, relative_parts
from jobservice.messaging.messages import JSON_ERRORS

logger = logging.getLogger(__name__)

# Errors of a folder path that a retry cannot cure.
_PERMANENT_ERRNOS = frozenset({errno.ENAMETOOLONG, errno.ELOOP, errno.EINVAL})


def parse_definition(definition: str | None) -> tuple[tuple[str, ...], Glob]:
    """(folder, glob) of a definition: a plain glob, or a sub-batch's JSON object."""
    text = (definition or "").strip()
    folder = ""
    if text.startswith("{"):
        try:
            value = json.loads(text)
        except JSON_ERRORS:
            raise BatchDefinitionError("The batch definition is not a valid sub-batch object.") from None
        if not isinstance(value, dict) or not isinstance(value.get("glob"), str) \
                or not isinstance(value.get("dir", ""), str):
            raise BatchDefinitionError('A sub-batch definition must be {"dir": "...", "glob": "..."}.')
        text, folder = value["glob"].strip(), value.get("dir", "")
    if not text:
        raise BatchDefinitionError("No valid glob filter passed in the batch definition.")
    limits.check_glob(text)
    pattern = relative_parts(text, what="glob")
    if not pattern:
        raise BatchDefinitionError(f"The glob {text!r} names no file.")
    return relative_parts(folder, what="folder"), compile_glob("/".join(pattern))


class GlobFilesPlugin:
    def __init__(self, *, root: str | Path | None = None) -> None:
        self.root = root

    def process_batch(self, definition: str | None, *, builder: TaskBuilder | None,
                      params: Mapping[str, str], registrar: Registrar) -> None:
        folder, glob = parse_definition(definition)
        builder = require_builder(builder)
        root = self._root()
        state = glob.folder_state("/".join(folder))
        if not state:
            return  # a folder that cannot hold matches (a hand-written sub-batch)
        target = os.path.join(root, *folder)
        try:
            # A folder must resolve inside the root even through links above it.
            if os.path.commonpath([root, os.path.realpath(target)]) != root:
                raise BatchDefinitionError(f"The folder {'/'.join(folder)!r} is outside the files root.")
            entries = os.scandir(target)
        except FileNotFoundError:
            if folder:
                return  # removed since its parent was listed: nothing to do
            raise BatchTransientError(f"The files root {root} cannot be read (not found).") from None
        except NotADirectoryError:
            if folder:
                return  # replaced by a file since its parent was listed
            raise BatchDefinitionError(f"The files root {root} is not a folder.") from None
        except PermissionError:
            if folder:
                logger.warning("Skipping unreadable folder %s", target)
                return
            raise BatchDefinitionError(f"The files root {root} cannot be read (permission denied).") from None
        except OSError as exc:
            raise _listing_error(target, exc) from exc
        try:
            with entries:
                for entry in entries:
                    self._visit(entry, folder, glob, state, builder, params, registrar)
        except OSError as exc:
            if exc.errno == errno.ENOENT and folder:
                return
            raise _listing_error(target, exc) from exc

    def _visit(self, entry: os.DirEntry, folder: tuple[str, ...], glob: Glob, state: int,
               builder: TaskBuilder, params: Mapping[str, str], registrar: Registrar) -> None:
        name = entry.name
        if not _is_utf8(name):
            logger.warning("Skipping %r in %s: its name is not UTF-8", name, "/".join(folder) or "the root")
            return
        if entry.is_symlink():
            return
        path = "/".join((*folder, name))
        if entry.is_dir(follow_symlinks=False):
            if glob.advance(state, f"{name}/"):
                registrar.register_batch(json.dumps({"dir": path, "glob": glob.pattern}, ensure_ascii=False))
        elif entry.is_file(follow_symlinks=False) and glob.accepts(glob.advance(state, name)):
            register_built(registrar, builder, path, params)

    def _root(self) -> str:
        root = self.root or getattr(settings, "BATCH_FILES_ROOT", None)
        if not root:
            raise BatchDefinitionError("No files root is configured (setting BATCH_FILES_ROOT).")
        return os.path.realpath(root)


def _listing_error(target: str, exc: OSError) -> Exception:
    if exc.errno in _PERMANENT_ERRNOS:
        return BatchDefinitionError(f"Cannot list {target}: {exc.strerror or exc}")
    return BatchTransientError(f"Cannot list {target}: {exc}")


def _is_utf8(name: str) -> bool:
    # os.scandir gives undecodable bytes of a name as lone surrogates (surrogateescape).
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
