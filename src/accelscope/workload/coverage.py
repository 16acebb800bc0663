"""The operator coverage of both importers, side by side, from their mapping tables.

Element-wise and data-movement operators are grouped by the IR function each importer
maps them to (read from ``onnx_ops`` and ``torch_aten``); every other operator belongs to
one of :data:`CONCEPTS`, which pairs the ONNX and the PyTorch (ATen) names of the same
work with the IR operator they lower to. An operator one importer supports and the other
does not carries a note saying why (``tests/test_importer_coverage.py`` checks that every
mapped operator appears here and that every one-sided row is explained). The table is
published as ``docs/importers.md`` by ``experiments/importer_coverage.py``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Row:
    """One line of the coverage table: the work, the IR it lowers to, the operator names
    of each importer, and why one side is empty if it is."""

    what: str
    ir: str
    onnx: tuple[str, ...]
    torch: tuple[str, ...]
    note: str = ""


CONCEPTS: tuple[Row, ...] = (
    Row("convolution (1-D, 2-D, 3-D)", "Conv2d", ("Conv",),
            ("conv1d", "conv2d", "conv3d", "convolution", "_convolution")),
    Row("transposed convolution (1-D, 2-D)", "Conv2d 1x1 (+ bias add)", ("ConvTranspose",),
            ("conv_transpose1d", "conv_transpose2d")),
    Row("quantized convolution", "Conv2d", ("ConvInteger", "QLinearConv"), (),
            "ONNX quantization operators; a PyTorch model is imported in float"),
    Row("fully connected / matrix product", "Linear or MatMul",
            ("Gemm", "MatMul"), ("linear", "mm", "matmul", "bmm", "addmm", "baddbmm")),
    Row("quantized matrix product", "Linear or MatMul", ("MatMulInteger", "QLinearMatMul"),
            (), "ONNX quantization operators; a PyTorch model is imported in float"),
    Row("einsum (two-operand contraction)", "MatMul or Linear", ("Einsum",), ("einsum",)),
    Row("mixture-of-experts expert GEMMs", "Linear (tokens x top_k rows)", (),
            ("grouped_mm", "_grouped_mm", "grouped_mm_fallback"),
            "no ONNX exporter writes them (transformers' custom op)"),
    Row("attention core", "Attention", ("Attention",), ("scaled_dot_product_attention",)),
    Row("recurrent layers", "LSTM, GRU, RNN", ("LSTM", "GRU", "RNN"),
            ("lstm", "gru", "rnn_tanh", "rnn_relu"),
            "LSTM projections (proj_size) only from PyTorch: ONNX's LSTM has none"),
    Row("embedding lookup", "Embedding", ("Gather",), ("embedding",),
            "ONNX Gather on a learned table; any other Gather is data movement"),
    Row("pooling (1-D, 2-D, 3-D separably)", "Pool2d",
            ("MaxPool", "AveragePool", "LpPool"),
            ("max_pool1d", "max_pool2d", "max_pool2d_with_indices", "avg_pool1d", "avg_pool2d",
             "max_pool3d", "max_pool3d_with_indices", "avg_pool3d")),
    Row("global / adaptive pooling (3-D adaptive: global only)", "Pool2d",
            ("GlobalAveragePool", "GlobalMaxPool", "GlobalLpPool"),
            ("adaptive_avg_pool1d", "adaptive_avg_pool2d", "_adaptive_avg_pool2d",
             "adaptive_max_pool1d", "adaptive_max_pool2d", "adaptive_avg_pool3d",
             "_adaptive_avg_pool3d", "adaptive_max_pool3d"),
            "ONNX has no adaptive pooling: exporters write AveragePool, ReduceMean or "
            "GlobalAveragePool"),
    Row("reductions and arg/top-k", "Pool2d (global window)",
            ("ReduceMean", "ReduceSum", "ReduceSumSquare", "ReduceL1", "ReduceL2",
             "ReduceLogSum", "ReduceLogSumExp", "ReduceProd", "ReduceMax", "ReduceMin",
             "ArgMax", "ArgMin", "TopK"),
            ("mean", "sum", "amax", "amin", "max", "min", "argmax", "argmin")),
    Row("sorting and histograms (MoE routing)", "Elementwise max / add", (),
            ("topk", "sort", "argsort", "histc"),
            "ONNX TopK is a reduction (above); ONNX has no sort or histogram operator"),
    Row("normalization", "Norm",
            ("BatchNormalization", "InstanceNormalization", "GroupNormalization",
             "LayerNormalization", "RMSNormalization"),
            ("batch_norm", "_native_batch_norm_legit_no_training", "layer_norm",
             "native_layer_norm", "group_norm", "instance_norm", "rms_norm")),
    Row("weight normalization", "Elementwise weight_norm", (),
            ("_weight_norm", "_weight_norm_interface"),
            "exporters write it as ordinary ONNX arithmetic on the weights"),
    Row("softmax", "Softmax", ("Softmax", "LogSoftmax", "Hardmax"),
            ("softmax", "_softmax", "log_softmax", "_log_softmax")),
    Row("interpolation (resize, upsample)",
            "ShapeOp resize (nearest) or Elementwise interp_*", ("Resize", "Upsample"),
            ("upsample_nearest1d", "upsample_nearest2d", "_upsample_nearest_exact1d",
             "_upsample_nearest_exact2d", "upsample_linear1d", "upsample_bilinear2d",
             "_upsample_bilinear2d_aa", "upsample_trilinear3d", "upsample_bicubic2d",
             "_upsample_bicubic2d_aa")),
    Row("casts", "ShapeOp or Elementwise cast", ("Cast", "CastLike"),
            ("to", "_to_copy", "type_as")),
    Row("hardtanh / clamp", "Elementwise relu6 or clip", ("Clip",), ("hardtanh",)),
)  # fmt: skip


#: Why an element-wise or data-movement function is mapped from one importer only.
FUNCTION_NOTES: dict[str, str] = {
    "relu6": "ONNX writes ReLU6 as Clip(0, 6) (the clip row)",
    "rsqrt": "ONNX writes 1/sqrt as Sqrt then Reciprocal or Div",
    "cast": "ONNX quantization operators (a quantized tensor stays quantized on an int8 "
    "accelerator); PyTorch casts are in the casts row",
    "permute": "ONNX Transpose covers any permutation (the transpose row)",
    "shape": "torch.export resolves sizes statically, so PyTorch graphs have no such node",
}


def onnx_operators() -> set[str]:
    """Every ONNX operator the ONNX importer maps."""
    import onnx

    from accelscope.workload.onnx_graph import GraphInfo
    from accelscope.workload.onnx_ops import Mapper

    return set(Mapper(GraphInfo(path="", graph=onnx.GraphProto())).handlers)


def torch_operators() -> set[str]:
    """Every ATen operator the PyTorch importer maps."""
    from accelscope.workload.torch_aten import HANDLERS

    return set(HANDLERS)


def coverage_rows() -> list[Row]:
    """The concept rows, then element-wise and data-movement operators by IR function."""
    from accelscope.workload.onnx_ops import ELEMENTWISE_FUNCTIONS, SHAPE_FUNCTIONS
    from accelscope.workload.torch_aten import ELEMENTWISE_ATEN, SHAPE_ATEN

    rows = list(CONCEPTS)
    in_concepts = {n for c in CONCEPTS for n in (*c.onnx, *c.torch)}
    for kind, onnx_map, torch_map in (
        ("Elementwise", ELEMENTWISE_FUNCTIONS, ELEMENTWISE_ATEN),
        ("ShapeOp", SHAPE_FUNCTIONS, SHAPE_ATEN),
    ):
        functions = sorted(set(onnx_map.values()) | set(torch_map.values()))
        for fn in functions:
            onnx_names = tuple(
                sorted(k for k, v in onnx_map.items() if v == fn and k not in in_concepts)
            )
            torch_names = tuple(
                sorted(k for k, v in torch_map.items() if v == fn and k not in in_concepts)
            )
            if onnx_names or torch_names:
                note = FUNCTION_NOTES.get(fn, "") if not (onnx_names and torch_names) else ""
                rows.append(Row(f"{kind} {fn}", f"{kind}({fn})", onnx_names, torch_names, note))
    return rows
