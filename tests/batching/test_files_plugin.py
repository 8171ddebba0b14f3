"""GlobPattern: files under the root matching a glob, split by folder, never outside the root."""
import json
import os
from pathlib import Path

import pytest

from batching.errors import BatchDefinitionError, BatchTransientError
from batching.plugins.files import GlobFilesPlugin
from batching.plugins.globbing import relative_parts
from tests.batching.conftest import RecordingRegistrar


@pytest.mark.parametrize("path", ["/etc/*", "../*", "a/../../b", "a\\b", "a\ud800"])
def test_paths_leaving_the_root_are_refused(path: str) -> None:
    with pytest.raises(BatchDefinitionError):
        relative_parts(path, what="glob")


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "root"
    for name in ["a.txt", "b.md", "docs/c.txt", "docs/deep/d.txt", "other/e.txt",
                 # The original's own test tree: sub-dir/**.txt finds both (at any depth).
                 "sub-dir/Annotated Install Instructions.txt", "sub-dir/sub-sub-dir/FileToTestWithinSubSubDir.txt"]:
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
        ["a.txt", "docs/c.txt", "docs/deep/d.txt", "other/e.txt", "sub-dir/Annotated Install Instructions.txt",
         "sub-dir/sub-sub-dir/FileToTestWithinSubSubDir.txt"], 5)


def test_a_double_star_inside_a_name_crosses_folders_as_in_the_original(tree, echo_builder) -> None:
    assert run_all(GlobFilesPlugin(root=tree), "sub-dir/**.txt", echo_builder) == (
        ["sub-dir/Annotated Install Instructions.txt", "sub-dir/sub-sub-dir/FileToTestWithinSubSubDir.txt"], 2)
    items, batches = run_all(GlobFilesPlugin(root=tree), "**.txt", echo_builder)
    assert len(items) == 6 and batches == 5  # every folder may hold matches: one sub-batch each


def test_one_folder_per_message_whatever_the_glob(tree, echo_builder) -> None:
    registrar = RecordingRegistrar()
    GlobFilesPlugin(root=tree).process_batch("sub-dir/**.txt", builder=echo_builder, params={}, registrar=registrar)
    assert registrar.items == []  # no file of the root matches
    assert [json.loads(batch) for batch in registrar.batches] == [{"dir": "sub-dir", "glob": "sub-dir/**.txt"}]
    registrar = RecordingRegistrar()
    GlobFilesPlugin(root=tree).process_batch('{"dir": "sub-dir", "glob": "sub-dir/**.txt"}',
                                             builder=echo_builder, params={}, registrar=registrar)
    assert [data for _, _, data in registrar.items] == ["sub-dir/Annotated Install Instructions.txt"]
    assert [json.loads(batch)["dir"] for batch in registrar.batches] == ["sub-dir/sub-sub-dir"]


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


@pytest.mark.parametrize("definition", ["", "  ", '{"glob": 3}', '{"dir": "..", "glob": "*"}', "{broken", "./",
                                        '{"dir": "a\\ud800", "glob": "**"}', "**/a/**/b/**/c/**",
                                        "a" * 2000])
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


def test_a_name_that_is_not_utf8_is_skipped(tree, echo_builder) -> None:
    (tree / os.fsdecode(b"bad-\xff.txt")).write_text("x")
    items, _ = run_all(GlobFilesPlugin(root=tree), "*.txt", echo_builder)
    assert items == ["a.txt"]


def test_a_folder_path_the_system_refuses_fails_the_batch_instead_of_retrying(tree, echo_builder) -> None:
    definition = json.dumps({"dir": "/".join(["x" * 255] * 20), "glob": "**"})
    with pytest.raises(BatchDefinitionError, match="Cannot list"):
        GlobFilesPlugin(root=tree).process_batch(definition, builder=echo_builder, params={},
                                                 registrar=RecordingRegistrar())
