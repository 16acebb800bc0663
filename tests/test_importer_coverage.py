"""The shared operator coverage table is complete, explained and published (issue 14)."""

from __future__ import annotations

import importlib.util

from accelscope.workload.coverage import coverage_rows, onnx_operators, torch_operators
from tests.conftest import REPO


def test_every_mapped_operator_is_in_the_table_and_nothing_else() -> None:
    rows = coverage_rows()
    listed_onnx = [n for r in rows for n in r.onnx]
    listed_torch = [n for r in rows for n in r.torch]
    assert set(listed_onnx) == onnx_operators()
    assert set(listed_torch) == torch_operators()
    assert len(listed_onnx) == len(set(listed_onnx))  # each operator in one row
    assert len(listed_torch) == len(set(listed_torch))


def test_every_one_sided_row_says_why() -> None:
    one_sided = [r for r in coverage_rows() if bool(r.onnx) != bool(r.torch)]
    assert one_sided  # the importers differ somewhere: the table must say where
    assert all(r.note for r in one_sided), [r.what for r in one_sided if not r.note]


def test_docs_importers_md_is_generated_from_the_code() -> None:
    spec = importlib.util.spec_from_file_location(
        "importer_coverage", REPO / "experiments" / "importer_coverage.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert (REPO / "docs" / "importers.md").read_text(encoding="utf-8") == module.render(), (
        "docs/importers.md is stale: run .venv/bin/python experiments/importer_coverage.py"
    )
