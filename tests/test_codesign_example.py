"""The LSTM co-design example in its tiny configuration (real text, real training)."""

from __future__ import annotations

import importlib.util
import sys

import pytest

from tests.conftest import EXAMPLES

pytest.importorskip("torch")


@pytest.mark.slow
def test_lstm_codesign_example_tiny(tmp_path):
    spec = importlib.util.spec_from_file_location("lstm_codesign", EXAMPLES / "lstm_codesign.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    try:
        spec.loader.exec_module(module)
    finally:
        sys.modules.pop(spec.name, None)
    out = tmp_path / "codesign.md"
    doc = module.main(["--tiny", "--out", str(out)])
    rows = {r["model"]: r for r in doc["rows"]}
    assert set(rows) == {"original", "max-params", "min-latency"}
    orig = rows["original"]
    # The plans hold their constraints on accelerator A (the model they were made for).
    assert rows["max-params"]["latency_a_s"] <= orig["latency_a_s"] * (1 + 1e-12)
    assert rows["max-params"]["params"] >= orig["params"]
    assert rows["min-latency"]["latency_a_s"] <= orig["latency_a_s"]
    assert rows["min-latency"]["params"] >= 0.9 * orig["params"]
    for r in rows.values():
        # Trained a little: better than a uniform guess over the vocabulary.
        assert 1 < r["val_ppl"] < doc["vocab"]
    text = out.read_text()
    assert "pydoc_data/topics.py" in text and "| original |" in text
