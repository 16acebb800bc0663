"""Cross-check: zoo network == from_torch(reference module) == from_onnx(exported module).

For resnet18, alexnet, mobilenetv2 and lstm-lm, the hand-built zoo network, the PyTorch
import of the plain-torch reference module (:mod:`accelscope.workload.zoo_torch`) and the
ONNX import of that module exported with ``torch.onnx.export`` must agree on total MACs,
parameters and the exact multiset of kernels (GEMM and vector). The ONNX export uses the
TorchScript exporter with ``training=TrainingMode.PRESERVE`` and no constant folding, so
BatchNorm stays a separate node (the dynamo exporter's optimizer folds BN into the
convolution, which removes its vector kernels; see docs/importers-torch.md).
"""

from __future__ import annotations

import warnings

import pytest
import torch

from accelscope.workload import from_onnx, zoo
from accelscope.workload import zoo_torch as zt
from accelscope.workload.torch_import import from_torch

MODELS = ["resnet18", "alexnet", "mobilenetv2", "lstm-lm"]


def _export_onnx(name: str, path) -> None:
    torch.manual_seed(0)
    module = zt.REFERENCE_MODULES[name]().eval()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            module,
            (zt.example_input(name),),
            str(path),
            dynamo=False,
            training=torch.onnx.TrainingMode.PRESERVE,
            do_constant_folding=False,
        )


@pytest.mark.slow
@pytest.mark.parametrize("name", MODELS)
def test_zoo_torch_onnx_agree(name: str, tmp_path) -> None:
    ref = zoo.get(name, batch=1, seq_len=35 if name == "lstm-lm" else None)
    with torch.device("meta"):
        module = zt.REFERENCE_MODULES[name]()
    via_torch = from_torch(module, zt.example_input(name, device="meta"))
    path = tmp_path / f"{name}.onnx"
    _export_onnx(name, path)
    via_onnx = from_onnx(path)

    assert via_torch.total_macs() == ref.total_macs()
    assert via_onnx.total_macs() == ref.total_macs()
    assert via_torch.total_params() == ref.total_params()
    assert via_onnx.total_params() == ref.total_params()
    assert via_torch.kernel_multiset() == ref.kernel_multiset()
    assert via_onnx.kernel_multiset() == ref.kernel_multiset()
