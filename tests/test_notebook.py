"""The tutorial notebook (examples/tutorial.ipynb) runs from top to bottom: evaluate,
explore, compare, multi, codesign, each cell without an error."""

from __future__ import annotations

import pytest

from tests.conftest import REPO


@pytest.mark.slow
def test_tutorial_notebook_executes(tmp_path):
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(REPO / "examples" / "tutorial.ipynb", as_version=4)
    client = NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    )
    client.execute()  # raises CellExecutionError naming the cell on any error
    text = "\n".join(
        str(out.get("text") or (out.get("data") or {}).get("text/plain", ""))
        for cell in nb.cells
        if cell.cell_type == "code"
        for out in cell.outputs
    )
    assert "NetworkReport(network=resnet-50, arch=edge" in text
    assert "ExploreResult(network=resnet-50" in text and "why: " in text
    assert "'explored best': 1.0" in text  # compare: the baseline is 1x itself
    assert "MultiResult(networks=resnet-50, bert-base" in text
    assert "'goal': 'max-params'" in text
