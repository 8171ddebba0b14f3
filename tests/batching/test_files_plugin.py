"""GlobPattern: files under the root matching a glob, split by folder, never outside the root."""
import json
import os
from pathlib import Path

import pytest

from batching.errors import BatchDefinitionError, BatchTransientError
from batching.plugins.files import GlobFilesPlugin
from batching.plugins.globbing import matches, may_contain_matches, relative_parts
from tests.batching.conftest import RecordingRegistrar


def parts(path: str) -> tuple[str, ...]:
    return tuple(path.split("/")) if path else ()


@pytest.mark.parametrize(("path", "pattern", "expected"), [
    ("a.txt", "*.txt", True),
    ("dir/a.txt", "*.txt", False),
    ("dir/a.txt", "**/*.txt", True),
    ("a.txt", "**/*.txt", True),
    ("x/y/z/a.txt", "x/**/a.txt", True),
    ("x/a.txt", "x/**/a.txt", True),
    ("x/a.md", "x/**/*.txt", False),
    ("a1.txt", "a?.txt", True),
    ("ab.txt", "a[0-9].txt", False),
])
def test_glob_matching(path: str, pattern: str, expected: bool) -> None:
    assert matches(parts(path), parts(pattern)) is expected


@pytest.mark.parametrize(("folder", "pattern", "expected"), [
    ("docs", "docs/*.txt", True),
    ("other", "docs/*.txt", False),
    ("docs", "*.txt", False),
    ("any/depth", "**/*.txt", True),
    ("docs/deep", "docs/*/*.txt", True),
])
def test_folders_that_cannot_hold_matches_are_skipped(folder: str, pattern: str, expected: bool) -> None:
    assert may_contain_matches(parts(folder), parts(pattern)) is expected


@pytest.mark.parametrize("path", ["/etc/*", "../*", "a/../../b", "a\\b"])
def test_paths_leaving_the_root_are_refused(path: str) -> None:
    with pytest.raises(BatchDefinitionError):
        relative_parts(path, what="glob")


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "root"
    for name in ["a.txt", "b.md", "docs/c.txt", "docs/deep/d.txt", "other/e.txt"]:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(name)
    (tmp_path / "secret.txt").write_text("outside")
    return root


def run_all(plugin: GlobFilesPlugin, definition: str, builder) -> tuple[list[str], int]:
    """Processes the definition and all its sub-batches; returns the items and batch count."""
    pending, items, batches = [definition], [], 0
    while pending:
        registrar = RecordingRegistrar()
        plugin.process_batch(pending.pop(), builder=builder, params={}, registrar=registrar)
        pending += registrar.batches
        batches += len(registrar.batches)
        items += [data for _, _, data in registrar.items]
    return sorted(items), batches


def test_matching_files_become_items_with_paths_relative_to_the_root(tree, echo_builder) -> None:
    assert run_all(GlobFilesPlugin(root=tree), "**/*.txt", echo_builder) == (
        ["a.txt", "docs/c.txt", "docs/deep/d.txt", "other/e.txt"], 3)


def test_only_folders_that_may_match_become_sub_batches(tree, echo_builder) -> None:
    registrar = RecordingRegistrar()
    GlobFilesPlugin(root=tree).process_batch("docs/*.txt", builder=echo_builder, params={}, registrar=registrar)
    assert [json.loads(batch) for batch in registrar.batches] == [{"dir": "docs", "glob": "docs/*.txt"}]
    assert run_all(GlobFilesPlugin(root=tree), "docs/*.txt", echo_builder) == (["docs/c.txt"], 1)


def test_settings_give_the_root(tree, echo_builder, settings) -> None:
    settings.BATCH_FILES_ROOT = str(tree)
    assert run_all(GlobFilesPlugin(), "*.md", echo_builder) == (["b.md"], 0)


def test_symbolic_links_are_not_followed_out_of_the_root(tree, echo_builder) -> None:
    os.symlink(tree.parent / "secret.txt", tree / "link.txt")
    os.symlink(tree.parent, tree / "up")
    items, _ = run_all(GlobFilesPlugin(root=tree), "**/*.txt", echo_builder)
    assert "link.txt" not in items and not any(item.startswith("up/") for item in items)


def test_a_sub_batch_folder_outside_the_root_is_refused(tree, echo_builder) -> None:
    os.symlink(tree.parent, tree / "up")
    with pytest.raises(BatchDefinitionError, match="outside the files root"):
        GlobFilesPlugin(root=tree).process_batch('{"dir": "up", "glob": "up/*"}', builder=echo_builder,
                                                 params={}, registrar=RecordingRegistrar())


@pytest.mark.parametrize("definition", ["", "  ", '{"glob": 3}', '{"dir": "..", "glob": "*"}', "{broken"])
def test_bad_definitions_are_definition_errors(tree, echo_builder, definition: str) -> None:
    with pytest.raises(BatchDefinitionError):
        GlobFilesPlugin(root=tree).process_batch(definition, builder=echo_builder, params={},
                                                 registrar=RecordingRegistrar())


def test_a_missing_root_is_a_transient_error(tmp_path, echo_builder) -> None:
    with pytest.raises(BatchTransientError):
        GlobFilesPlugin(root=tmp_path / "not-mounted").process_batch("*", builder=echo_builder, params={},
                                                                     registrar=RecordingRegistrar())


def test_a_sub_folder_removed_since_the_split_gives_no_items(tree, echo_builder) -> None:
    registrar = RecordingRegistrar()
    GlobFilesPlugin(root=tree).process_batch('{"dir": "gone", "glob": "**/*"}', builder=echo_builder,
                                             params={}, registrar=registrar)
    assert registrar.items == [] and registrar.batches == []


def test_no_root_configured_is_a_definition_error(echo_builder, settings) -> None:
    settings.BATCH_FILES_ROOT = ""
    with pytest.raises(BatchDefinitionError, match="BATCH_FILES_ROOT"):
        GlobFilesPlugin().process_batch("*", builder=echo_builder, params={}, registrar=RecordingRegistrar())
