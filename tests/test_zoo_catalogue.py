"""The zoo catalogue cache: current, rebuilt when damaged, and a fast `zoo list`."""

from __future__ import annotations

import json

import pytest

from accelscope.workload import catalogue
from tests.conftest import cli_imports


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("ACCELSCOPE_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_rows_are_cached_and_equal_the_built_models(cache, monkeypatch):
    built = catalogue.build_rows()
    assert catalogue.catalogue_rows() == built
    files = list(cache.glob("zoo-*.json"))
    assert len(files) == 1 and json.loads(files[0].read_text()) == built

    def no_build():
        raise AssertionError("the cache was not used")

    monkeypatch.setattr(catalogue, "build_rows", no_build)
    assert catalogue.catalogue_rows() == built


@pytest.mark.parametrize("damage", [b"", b"{not json", b'[{"name": "x"}]', b"\xff\xfe"])
def test_a_damaged_cache_is_rebuilt(cache, damage):
    rows = catalogue.catalogue_rows()
    path = next(cache.glob("zoo-*.json"))
    path.write_bytes(damage)
    assert catalogue.catalogue_rows() == rows
    assert json.loads(path.read_text()) == rows


def test_a_source_change_invalidates_the_cache(cache, monkeypatch):
    catalogue.catalogue_rows()
    monkeypatch.setattr(catalogue, "source_key", lambda: "f" * 64)
    catalogue.catalogue_rows()
    assert len(list(cache.glob("zoo-*.json"))) == 2


def test_an_unwritable_cache_directory_costs_only_speed(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("ACCELSCOPE_CACHE_DIR", str(blocker / "cache"))
    assert [r["name"] for r in catalogue.catalogue_rows()][:2] == ["alexnet", "vgg-16"]


def test_zoo_list_with_a_warm_cache_loads_neither_numpy_nor_the_models(cache, monkeypatch, cli):
    # Start-up cost (issue 11: `zoo list` took 0.42 CPU-s building every model).
    monkeypatch.setenv("ACCELSCOPE_CACHE_DIR", str(cache))
    first = cli("zoo", "list", "--json")
    assert first.code == 0, first.stderr
    modules = ("numpy", "accelscope.workload.network", "accelscope.workload.zoo")
    proc, imported = cli_imports(["zoo", "list", "--json"], modules)
    assert proc.returncode == 0, proc.stderr
    assert imported == []
    assert json.loads(proc.stdout) == first.json()
    assert {m["name"] for m in first.json()["models"]} >= {"resnet-50", "bert-base"}
