"""Plugins and builders found by built-in name, by setting, by entry point, by dotted path."""
import signal
import sys
from pathlib import Path

import pytest

from batching import registry
from batching.builders import GenericTaskBuilder
from batching.plugins.ids import IdListPlugin


class CustomPlugin:
    def process_batch(self, definition, *, builder, params, registrar) -> None:
        registrar.register_item("Custom", 1, definition)


class NotAPlugin:
    pass


@pytest.fixture(autouse=True)
def fresh_registries():
    registry.plugins.clear()
    registry.builders.clear()
    registry._entry_points.cache_clear()
    yield
    registry.plugins.clear()
    registry.builders.clear()
    registry._entry_points.cache_clear()


def test_built_in_names() -> None:
    assert isinstance(registry.plugins.get("AssetIdBatchPlugin"), IdListPlugin)
    assert isinstance(registry.builders.get("GenericTaskBuilder"), GenericTaskBuilder)
    assert {"AssetIdBatchPlugin", "RangeBatchPlugin", "GlobPattern"} <= set(registry.plugins.names())


def test_registered_plugins_are_shared_instances() -> None:
    assert registry.plugins.get("RangeBatchPlugin") is registry.plugins.get("RangeBatchPlugin")


def test_settings_register_more(settings) -> None:
    settings.BATCH_PLUGINS = {"Custom": "tests.batching.test_registry.CustomPlugin"}
    assert isinstance(registry.plugins.get("Custom"), CustomPlugin)


def test_a_broken_registration_is_no_plugin(settings) -> None:
    settings.BATCH_PLUGINS = {"Broken": "tests.batching.no_such_module.Plugin"}
    assert registry.plugins.get("Broken") is None


def test_dotted_paths_are_refused_by_default_and_nothing_is_imported() -> None:
    assert registry.plugins.get("tests.batching.test_registry.CustomPlugin") is None
    assert registry.plugins.get("unittest.__main__.x") is None
    assert registry.plugins.get("tests.batching.exits_on_import.Plugin") is None
    assert "unittest.__main__" not in sys.modules
    assert "tests.batching.exits_on_import" not in sys.modules


@pytest.fixture
def dotted_paths(settings):
    settings.BATCH_ALLOW_DOTTED_PATHS = True
    settings.BATCH_DOTTED_PATH_PREFIXES = ["tests.batching"]
    return settings


def test_dotted_paths_under_an_allowed_prefix_work_for_plugin_classes_only(dotted_paths) -> None:
    assert isinstance(registry.plugins.get("tests.batching.test_registry.CustomPlugin"), CustomPlugin)
    assert registry.plugins.get("tests.batching.test_registry.NotAPlugin") is None
    assert registry.plugins.get("tests.batching.no_such_module.Plugin") is None


@pytest.mark.parametrize("name", [
    "os.system",
    "unittest.__main__.x",
    "tests.batchingevil.Plugin",  # a prefix matches whole components only
    "tests.Plugin",
    "tests.batching",
    "tests.batching..exits_on_import.X",
    " tests.batching.exits_on_import.X",
])
def test_dotted_paths_outside_the_prefixes_are_refused_before_any_import(dotted_paths, name) -> None:
    assert registry.plugins.get(name) is None
    assert "unittest.__main__" not in sys.modules and "tests.batchingevil" not in sys.modules


def test_allowed_dotted_paths_need_a_prefix(dotted_paths) -> None:
    dotted_paths.BATCH_DOTTED_PATH_PREFIXES = []
    assert registry.plugins.get("tests.batching.test_registry.CustomPlugin") is None


def test_a_module_that_exits_when_imported_is_no_plugin_and_the_process_goes_on(dotted_paths) -> None:
    assert registry.plugins.get("tests.batching.exits_on_import.Plugin") is None
    assert registry.builders.get("tests.batching.exits_on_import.Builder") is None


class InterruptingPlugin:
    def __init__(self) -> None:
        raise KeyboardInterrupt

    def process_batch(self, definition, *, builder, params, registrar) -> None:
        pass


def test_a_constructor_raising_anything_is_no_plugin(settings, stop_flag_handler) -> None:
    settings.BATCH_PLUGINS = {"Interrupting": "tests.batching.test_registry.InterruptingPlugin"}
    assert registry.plugins.get("Interrupting") is None


def test_the_real_ctrl_c_is_let_through_when_python_handles_sigint(settings) -> None:
    settings.BATCH_PLUGINS = {"Interrupting": "tests.batching.test_registry.InterruptingPlugin"}
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    with pytest.raises(KeyboardInterrupt):
        registry.plugins.get("Interrupting")


def test_unknown_names_are_none() -> None:
    assert registry.plugins.get("Nope") is None
    assert registry.plugins.get(None) is None


def test_entry_points_of_installed_packages(tmp_path: Path, monkeypatch) -> None:
    dist = tmp_path / "acme_plugins-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-plugins\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(
        "[jobservice.batch_plugins]\nAcme = tests.batching.test_registry:CustomPlugin\n"
        "[jobservice.task_builders]\nAcmeBuilder = batching.builders:GenericTaskBuilder\n"
    )
    monkeypatch.setattr(sys, "path", [str(tmp_path), *sys.path])
    assert isinstance(registry.plugins.get("Acme"), CustomPlugin)
    assert isinstance(registry.builders.get("AcmeBuilder"), GenericTaskBuilder)
    assert "Acme" in registry.plugins.names()
