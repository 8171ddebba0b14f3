"""Plugins and builders found by built-in name, by setting, by entry point, by dotted path."""
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


def test_dotted_paths_work_for_plugin_classes_only(settings) -> None:
    assert isinstance(registry.plugins.get("tests.batching.test_registry.CustomPlugin"), CustomPlugin)
    assert registry.plugins.get("tests.batching.test_registry.NotAPlugin") is None
    assert registry.plugins.get("os.system") is None
    assert registry.plugins.get("no.such.Thing") is None
    settings.BATCH_ALLOW_DOTTED_PATHS = False
    assert registry.plugins.get("tests.batching.test_registry.CustomPlugin") is None


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
