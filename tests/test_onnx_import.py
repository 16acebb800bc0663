"""Tests of the ONNX importer (accelscope.workload.onnx_import).

Graphs are built by hand with ``onnx.helper`` (MACs derived in comments) or exported from
small PyTorch modules with random weights. Every file lives in a pytest tmp dir.
"""

from __future__ import annotations

import os
import time
import warnings
from dataclasses import replace
from pathlib import Path

import numpy as np
import onnx
import pytest
import torch
import transformers
from onnx import TensorProto, helper, numpy_helper

from accelscope.errors import (
    InputFileError,
    ShapeInferenceError,
    SpecError,
    UnsupportedOperatorError,
)
from accelscope.workload import from_onnx as dispatch_from_onnx
from accelscope.workload import load_model
from accelscope.workload.kernels import ConvGeometry, GemmKernel, VectorKernel
from accelscope.workload.onnx_import import from_onnx
from accelscope.workload.ops import (
    GRU,
    LSTM,
    Conv2d,
    Elementwise,
    Embedding,
    Linear,
    MatMul,
    Norm,
    Pool2d,
    ShapeOp,
    Softmax,
    Unsupported,
)

RNG = np.random.default_rng(0)


# ---- helpers ------------------------------------------------------------------------
def _init(name: str, *shape: int, dtype=np.float32) -> onnx.TensorProto:
    return numpy_helper.from_array(RNG.standard_normal(shape).astype(dtype), name)


def _vi(name: str, shape, elem=TensorProto.FLOAT) -> onnx.ValueInfoProto:
    return helper.make_tensor_value_info(name, elem, shape)


def _save(
    tmp: Path,
    fname: str,
    nodes,
    inputs,
    outputs,
    inits=(),
    opset: int = 17,
) -> Path:
    graph = helper.make_graph(list(nodes), "g", list(inputs), list(outputs), list(inits))
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    path = tmp / fname
    onnx.save(model, str(path))
    return path


def _shape_only_external(src: Path, dst: Path) -> Path:
    """Save *src* with its weights in an external file, then delete that file."""
    model = onnx.load(str(src))
    data = dst.name + ".data"
    onnx.save(
        model,
        str(dst),
        save_as_external_data=True,
        all_tensors_to_one_file=True,
        location=data,
        size_threshold=64,
    )
    os.remove(dst.parent / data)
    return dst


def _weights_as_inputs(src: Path, dst: Path) -> Path:
    """Drop every initializer and declare it as a shape-only graph input instead."""
    model = onnx.load(str(src))
    graph = model.graph
    declared = {i.name for i in graph.input}
    for t in graph.initializer:
        if t.name not in declared:
            graph.input.append(helper.make_tensor_value_info(t.name, t.data_type, list(t.dims)))
    del graph.initializer[:]
    onnx.save(model, str(dst))
    return dst


def _layers_dump(net) -> list[dict]:
    return [op.model_dump() for op in net.layers]


# ---- hand-built CNN -----------------------------------------------------------------
def _cnn(tmp: Path, auto_pad: str = "SAME_UPPER") -> Path:
    # x[1,3,32,32] -> conv 3x3 pad 1 (16 ch) -> relu -> maxpool 2/2 -> depthwise 3x3 s2
    # (auto_pad) -> global avg pool -> flatten -> gemm 16->10 (transB) -> softmax
    nodes = [
        helper.make_node("Conv", ["x", "w1", "b1"], ["c1"], name="conv1", pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c1"], ["r1"], name="relu1"),
        helper.make_node(
            "MaxPool", ["r1"], ["p1"], name="pool1", kernel_shape=[2, 2], strides=[2, 2]
        ),
        helper.make_node(
            "Conv", ["p1", "w2"], ["c2"], name="dw", group=16, strides=[2, 2], auto_pad=auto_pad
        ),
        helper.make_node("GlobalAveragePool", ["c2"], ["g"], name="gap"),
        helper.make_node("Flatten", ["g"], ["f"], name="flat"),
        helper.make_node("Gemm", ["f", "w3", "b3"], ["y0"], name="fc", transB=1),
        helper.make_node("Softmax", ["y0"], ["y"], name="sm"),
    ]
    inits = [
        _init("w1", 16, 3, 3, 3),
        _init("b1", 16),
        _init("w2", 16, 1, 3, 3),
        _init("w3", 10, 16),
        _init("b3", 10),
    ]
    return _save(
        tmp, f"cnn_{auto_pad}.onnx", nodes, [_vi("x", [1, 3, 32, 32])], [_vi("y", [1, 10])], inits
    )


def test_hand_built_cnn_macs_params_and_kernels(tmp_path: Path) -> None:
    net = from_onnx(_cnn(tmp_path))
    # conv1: out 32x32x16, K = 3*3*3 = 27 -> 1024*27*16 = 442,368 MACs
    # dw: input 16x16 (after pool), SAME_UPPER stride 2 -> 8x8; 64 px * 16 ch * 9 = 9,216
    # fc: 16 * 10 = 160.  Total 451,744.
    assert net.total_macs() == 442_368 + 9_216 + 160
    # params: conv1 16*27 + 16 = 448; dw 16*9 = 144 (no bias); fc 160 + 10 = 170 -> 762
    assert net.total_params() == 448 + 144 + 170
    assert [op.name for op in net.layers] == [
        "conv1",
        "relu1",
        "pool1",
        "dw",
        "gap",
        "flat",
        "fc",
        "sm",
    ]
    assert net.family == "cnn" and net.batch == 1 and net.name == "cnn_SAME_UPPER"
    conv1, relu, pool, dw, gap, flat, fc, sm = net.layers
    assert isinstance(conv1, Conv2d) and conv1.padding == (1, 1, 1, 1) and conv1.bias
    assert conv1.kernels() == [
        GemmKernel(1, 1024, 27, 16, conv=ConvGeometry(1, 3, 32, 32, 32, 32, 1, 1, 3, 3))
    ]
    assert isinstance(dw, Conv2d) and dw.is_depthwise and not dw.bias
    # SAME_UPPER, in 16, k 3, s 2: out 8, total pad (8-1)*2+3-16 = 1 -> (0 begin, 1 end)
    assert dw.padding == (0, 0, 1, 1)
    # SAME_UPPER stride 2: the last window ends at 7*2 + 3 - 1 = 16, clipped to row 15.
    assert dw.kernels() == [
        GemmKernel(16, 64, 9, 1, conv=ConvGeometry(1, 1, 16, 16, 8, 8, 2, 2, 3, 3))
    ]
    assert isinstance(pool, Pool2d) and pool.mode == "max" and (pool.out_h, pool.out_w) == (16, 16)
    assert isinstance(gap, Pool2d) and gap.global_pool and (gap.in_h, gap.in_w) == (8, 8)
    assert isinstance(relu, Elementwise) and relu.function == "relu" and relu.elements == 16384
    assert isinstance(flat, ShapeOp) and flat.function == "flatten" and flat.elements == 16
    assert isinstance(fc, Linear) and (fc.rows, fc.in_features, fc.out_features) == (1, 16, 10)
    assert isinstance(sm, Softmax) and (sm.rows, sm.length) == (1, 10)
    # producers are recorded as layer inputs
    assert conv1.inputs == ("x",) and relu.inputs == ("conv1",) and fc.inputs == ("flat",)


def test_same_lower_pads_begin_heavy(tmp_path: Path) -> None:
    dw = from_onnx(_cnn(tmp_path, "SAME_LOWER")).layer("dw")
    # total pad 1 goes to the beginning with SAME_LOWER; output stays 8x8
    assert dw.padding == (1, 1, 0, 0) and (dw.out_h, dw.out_w) == (8, 8)


def test_conv1d_maps_to_conv2d_with_unit_height(tmp_path: Path) -> None:
    node = helper.make_node("Conv", ["x", "w"], ["y"], name="c", strides=[2], pads=[2, 3])
    path = _save(
        tmp_path,
        "c1d.onnx",
        [node],
        [_vi("x", [2, 4, 50])],
        [_vi("y", [2, 8, 26])],
        [_init("w", 8, 4, 5)],
    )
    conv = from_onnx(path).layers[0]
    # L_out = (50 + 2 + 3 - 5) // 2 + 1 = 26
    assert isinstance(conv, Conv2d)
    assert (conv.in_h, conv.in_w, conv.kernel, conv.stride) == (1, 50, (1, 5), (1, 2))
    assert conv.padding == (0, 2, 0, 3)  # 1-D pads [begin, end] -> (top 0, left, bottom 0, right)
    # MACs = batch 2 * L_out 26 * out 8 * in 4 * k 5 = 8,320
    assert conv.out_w == 26 and conv.macs() == 2 * 26 * 8 * 4 * 5


def test_conv_transpose_lowered_as_gemm_plus_bias(tmp_path: Path) -> None:
    node = helper.make_node("ConvTranspose", ["x", "w", "b"], ["y"], name="up", strides=[2, 2])
    path = _save(
        tmp_path,
        "ct.onnx",
        [node],
        [_vi("x", [1, 8, 4, 4])],
        [_vi("y", [1, 4, 8, 8])],
        [_init("w", 8, 4, 2, 2), _init("b", 4)],
    )
    net = from_onnx(path)
    gemm, bias = net.layers
    # every input pixel (16) times the whole kernel: 16 * C_in 8 * C_out 4 * 2*2 = 2,048 MACs
    assert [replace(k, conv=None) for k in gemm.kernels()] == [GemmKernel(1, 16, 8, 16)]
    assert net.total_macs() == 2048
    # weights 8*4*2*2 = 128 plus the 4 bias values (on the extra element-wise layer)
    assert net.total_params() == 128 + 4
    assert bias.name == "up/bias" and bias.elements == 1 * 4 * 8 * 8


# ---- MatMul / Linear ----------------------------------------------------------------
def test_matmul_with_weight_and_bias_add_becomes_one_linear(tmp_path: Path) -> None:
    nodes = [
        helper.make_node("MatMul", ["x", "w"], ["h"], name="proj"),
        helper.make_node("Add", ["h", "b"], ["hb"], name="bias"),
        helper.make_node("Mul", ["hb", "s"], ["y"], name="scale"),
    ]
    inits = [_init("w", 8, 4), _init("b", 4), numpy_helper.from_array(np.float32(0.5), "s")]
    path = _save(tmp_path, "lin.onnx", nodes, [_vi("x", [2, 5, 8])], [_vi("y", [2, 5, 4])], inits)
    net = from_onnx(path)
    assert [op.name for op in net.layers] == ["proj", "scale"]  # Add fused as bias
    proj, scale = net.layers
    assert isinstance(proj, Linear) and proj.bias
    # rows = product of leading dims 2*5 = 10; MACs 10*8*4 = 320; params 8*4 + 4 = 36
    assert (proj.rows, proj.in_features, proj.out_features) == (10, 8, 4)
    assert net.total_macs() == 320 and net.total_params() == 36
    assert proj.kernels()[0].b_is_weight
    # Mul by a constant scalar: one live input, no learned params
    assert isinstance(scale, Elementwise) and scale.num_inputs == 1 and scale.param_count == 0
    assert scale.inputs == ("proj",)


def test_matmul_of_two_activations_is_batched_matmul(tmp_path: Path) -> None:
    nodes = [
        helper.make_node("Relu", ["b"], ["rb"], name="rb"),
        helper.make_node("MatMul", ["a", "rb"], ["c"], name="mm"),
        helper.make_node("Add", ["c", "d"], ["y"], name="add"),
    ]
    path = _save(
        tmp_path,
        "mm.onnx",
        nodes,
        [_vi("a", [2, 3, 5, 8]), _vi("b", [2, 3, 8, 6]), _vi("d", [2, 3, 5, 6])],
        [_vi("y", [2, 3, 5, 6])],
    )
    net = from_onnx(path)
    mm = net.layer("mm")
    assert isinstance(mm, MatMul) and (mm.batch, mm.m, mm.k, mm.n) == (6, 5, 8, 6)
    # 2*3 batched GEMMs of 5x8 @ 8x6: 6 * 240 = 1,440 MACs, B is an activation
    assert mm.kernels() == [GemmKernel(6, 5, 8, 6, b_is_weight=False)]
    assert net.total_macs() == 1440
    add = net.layer("add")
    assert isinstance(add, Elementwise) and add.num_inputs == 2 and add.elements == 180


def test_matmul_weight_from_graph_input(tmp_path: Path) -> None:
    # A rank-2 right operand that is a graph input is a weight (shape-only style).
    node = helper.make_node("MatMul", ["x", "W"], ["y"], name="fc")
    path = _save(
        tmp_path, "mmw.onnx", [node], [_vi("x", [4, 16]), _vi("W", [16, 32])], [_vi("y", [4, 32])]
    )
    fc = from_onnx(path).layers[0]
    assert isinstance(fc, Linear) and (fc.rows, fc.in_features, fc.out_features) == (4, 16, 32)


# ---- recurrent, embedding, norms ----------------------------------------------------
def test_lstm_and_bidirectional_gru_nodes(tmp_path: Path) -> None:
    nodes = [
        helper.make_node("LSTM", ["x", "W", "R", "B"], ["y", "", ""], name="lstm", hidden_size=16),
        helper.make_node("Squeeze", ["y", "ax"], ["ys"], name="sq"),
        helper.make_node(
            "GRU",
            ["ys", "Wg", "Rg", "Bg"],
            ["z"],
            name="gru",
            hidden_size=8,
            direction="bidirectional",
        ),
    ]
    inits = [
        _init("W", 1, 64, 10),
        _init("R", 1, 64, 16),
        _init("B", 1, 128),
        _init("Wg", 2, 24, 16),
        _init("Rg", 2, 24, 8),
        _init("Bg", 2, 48),
        numpy_helper.from_array(np.array([1], dtype=np.int64), "ax"),
    ]
    path = _save(
        tmp_path, "rnn.onnx", nodes, [_vi("x", [7, 2, 10])], [_vi("z", [7, 2, 2, 8])], inits
    )
    net = from_onnx(path)
    lstm, gru = net.layer("lstm"), net.layer("gru")
    assert isinstance(lstm, LSTM) and (lstm.seq_len, lstm.batch, lstm.input_size) == (7, 2, 10)
    assert isinstance(gru, GRU) and gru.bidirectional and gru.input_size == 16
    # LSTM: input proj 2*7 rows * 10 * 64 = 8,960 + 7 steps * 2 * 16 * 64 = 14,336 -> 23,296
    assert lstm.macs() == 23_296
    # params 64*10 + 64*16 + 128 = 1,792 (ONNX W, R, B sizes)
    assert lstm.params() == 1_792
    # GRU per direction: 14*16*24 = 5,376 + 7*2*8*24 = 2,688 -> 8,064, two directions
    assert gru.macs() == 2 * 8_064
    assert gru.params() == 2 * (24 * 16 + 24 * 8 + 48)
    assert GemmKernel(1, 2, 16, 64, repeats=7, sequential=True) in lstm.kernels()
    assert net.family == "rnn" and net.batch == 2 and net.seq_len == 7


def test_gather_on_table_is_embedding_and_norms(tmp_path: Path) -> None:
    nodes = [
        helper.make_node("Gather", ["table", "ids"], ["e"], name="emb"),
        helper.make_node("LayerNormalization", ["e", "g", "b"], ["n"], name="ln", axis=-1),
        helper.make_node("ReduceMean", ["n"], ["m"], name="mean", axes=[-1], keepdims=1),
        helper.make_node("Sub", ["n", "m"], ["y"], name="sub"),
    ]
    inits = [_init("table", 100, 16), _init("g", 16), _init("b", 16)]
    path = _save(
        tmp_path,
        "emb.onnx",
        nodes,
        [_vi("ids", [1, 12], TensorProto.INT64)],
        [_vi("y", [1, 12, 16])],
        inits,
    )
    net = from_onnx(path)
    emb, ln, mean, sub = net.layers
    assert isinstance(emb, Embedding) and (emb.tokens, emb.num_embeddings, emb.embedding_dim) == (
        12,
        100,
        16,
    )
    assert isinstance(ln, Norm) and ln.norm == "layer" and (ln.elements, ln.channels) == (192, 16)
    # reduction over 16 elements for each of the 12 kept rows
    assert isinstance(mean, Pool2d) and mean.kernels() == [VectorKernel(12, 16, 192, 12)]
    assert isinstance(sub, Elementwise) and sub.num_inputs == 2
    assert net.total_params() == 100 * 16 + 2 * 16


def test_batchnorm_maps_to_batch_norm(tmp_path: Path) -> None:
    node = helper.make_node("BatchNormalization", ["x", "s", "b", "m", "v"], ["y"], name="bn")
    inits = [_init("s", 8), _init("b", 8), _init("m", 8), np.abs(RNG.standard_normal(8))]
    inits[3] = numpy_helper.from_array(inits[3].astype(np.float32), "v")
    path = _save(
        tmp_path, "bn.onnx", [node], [_vi("x", [2, 8, 5, 5])], [_vi("y", [2, 8, 5, 5])], inits
    )
    bn = from_onnx(path).layers[0]
    # inference BN = per-channel scale and shift: 2*C params, 2 ops per element
    assert isinstance(bn, Norm) and bn.norm == "batch" and bn.channels == 8
    assert bn.elements == 400 and bn.params() == 16 and bn.other_ops() == 800


def test_decomposed_layernorm_counts_gamma_beta_as_params(tmp_path: Path) -> None:
    nodes = [
        helper.make_node("Mul", ["x", "gamma"], ["a"], name="scale"),
        helper.make_node("Add", ["a", "beta"], ["y"], name="shift"),
    ]
    path = _save(
        tmp_path,
        "dln.onnx",
        nodes,
        [_vi("x", [1, 4, 32])],
        [_vi("y", [1, 4, 32])],
        [_init("gamma", 32), _init("beta", 32)],
    )
    net = from_onnx(path)
    assert [op.param_count for op in net.layers] == [32, 32]
    assert all(op.num_inputs == 1 for op in net.layers)


# ---- PyTorch exports ----------------------------------------------------------------


class _TorchCNN(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.c1 = torch.nn.Conv2d(3, 8, 3, padding=1)
        self.bn = torch.nn.BatchNorm2d(8)
        self.c2 = torch.nn.Conv2d(8, 8, 3, stride=2, padding=1, groups=8, bias=False)
        self.fc = torch.nn.Linear(8, 10)

    def forward(self, x):
        x = torch.nn.functional.max_pool2d(torch.relu(self.bn(self.c1(x))), 2)
        x = torch.nn.functional.adaptive_avg_pool2d(torch.relu(self.c2(x)), 1)
        return self.fc(torch.flatten(x, 1))


def _export(module, args, path: Path, **kw) -> Path:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(module.eval(), args, str(path), dynamo=False, input_names=["x"], **kw)
    return path


@pytest.fixture(scope="module")
def torch_cnn(tmp_path_factory) -> Path:
    torch.manual_seed(0)
    tmp = tmp_path_factory.mktemp("tcnn")
    return _export(_TorchCNN(), (torch.randn(1, 3, 16, 16),), tmp / "tcnn.onnx")


def test_torch_cnn_export(torch_cnn: Path) -> None:
    net = from_onnx(torch_cnn)
    # The TorchScript exporter folds eval-mode BatchNorm into the preceding Conv, so no
    # Norm layer appears and the BN's 2*8 params vanish (conv1 keeps its bias).
    assert not any(isinstance(op, Norm) for op in net.layers)
    # conv1 16*16*8*27 = 55,296; dw 4*4*8*9 = 1,152; fc 8*10 = 80 -> 56,528
    assert net.total_macs() == 55_296 + 1_152 + 80
    # (8*27 + 8) + 8*9 + (80 + 10) = 386
    assert net.total_params() == 386
    kinds = [op.kind for op in net.layers]
    assert kinds == [
        "conv2d",
        "elementwise",
        "pool2d",
        "conv2d",
        "elementwise",
        "pool2d",
        "shape",
        "linear",
    ]


def test_shape_only_files_give_the_same_network(torch_cnn: Path, tmp_path: Path) -> None:
    full = from_onnx(torch_cnn, name="m")
    ext = _shape_only_external(torch_cnn, tmp_path / "ext.onnx")
    assert not (tmp_path / "ext.onnx.data").exists()
    inputs = _weights_as_inputs(torch_cnn, tmp_path / "inputs.onnx")
    for path in (ext, inputs):
        other = from_onnx(path, name="m")
        assert _layers_dump(other) == _layers_dump(full)
        assert other.total_macs() == full.total_macs()


def test_torch_lstm_export(tmp_path: Path) -> None:
    torch.manual_seed(0)
    module = torch.nn.LSTM(10, 16)
    path = _export(module, (torch.randn(7, 2, 10),), tmp_path / "lstm.onnx")
    net = from_onnx(path)
    (lstm,) = [op for op in net.layers if isinstance(op, LSTM)]
    assert (lstm.batch, lstm.seq_len, lstm.hidden_size) == (2, 7, 16)
    assert lstm.macs() == 23_296  # same derivation as the hand-built LSTM above
    assert net.total_params() == sum(p.numel() for p in module.parameters())


def test_torch_mlp_on_sequences_params_match_torch(tmp_path: Path) -> None:
    torch.manual_seed(0)
    module = torch.nn.Sequential(
        torch.nn.Linear(32, 64), torch.nn.GELU(), torch.nn.Linear(64, 32), torch.nn.LayerNorm(32)
    )
    path = _export(module, (torch.randn(2, 6, 32),), tmp_path / "mlp.onnx")
    net = from_onnx(path)
    assert net.total_params() == sum(p.numel() for p in module.parameters())
    # rows 2*6 = 12: 12*32*64 + 12*64*32 = 49,152 MACs
    assert net.total_macs() == 2 * 12 * 32 * 64
    linears = [op for op in net.layers if isinstance(op, Linear)]
    assert [(lin.rows, lin.bias) for lin in linears] == [(12, True), (12, True)]


# ---- input shapes, batch -------------------------------------------------------------
def _dynamic(tmp: Path) -> Path:
    node = helper.make_node("Conv", ["x", "w"], ["y"], name="conv", pads=[1, 1, 1, 1])
    return _save(
        tmp,
        "dyn.onnx",
        [node],
        [_vi("x", ["N", 3, "H", 8])],
        [_vi("y", ["N", 4, "H", 8])],
        [_init("w", 4, 3, 3, 3)],
    )


def test_dynamic_input_dims_error_names_input_and_dim(tmp_path: Path) -> None:
    with pytest.raises(ShapeInferenceError) as err:
        from_onnx(_dynamic(tmp_path))
    msg = str(err.value)
    assert "input 'x'" in msg and "dimension 0 ('N')" in msg and "--input-shape x=1,3,1,8" in msg
    assert "\n" not in msg


def test_batch_alone_leaves_other_dynamic_dims_reported(tmp_path: Path) -> None:
    with pytest.raises(ShapeInferenceError, match=r"dimension 2 \('H'\)"):
        from_onnx(_dynamic(tmp_path), batch=2)


def test_input_shapes_and_batch_fix_dynamic_dims(tmp_path: Path) -> None:
    path = _dynamic(tmp_path)
    net = from_onnx(path, input_shapes={"x": [1, 3, 6, 8]})
    conv = net.layers[0]
    assert (conv.batch, conv.in_h, conv.in_w) == (1, 6, 8)
    # 6*8 px * 4 out * 27 = 5,184 MACs; batch 3 triples it
    assert net.total_macs() == 5_184
    net3 = from_onnx(path, input_shapes={"x": [1, 3, 6, 8]}, batch=3)
    assert net3.batch == 3 and net3.total_macs() == 3 * 5_184
    # also through the package-level dispatchers
    assert dispatch_from_onnx(path, input_shapes={"x": [1, 3, 6, 8]}).total_macs() == 5_184
    assert load_model(path, input_shapes={"x": [2, 3, 6, 8]}).total_macs() == 2 * 5_184


def test_batch_does_not_touch_weight_inputs(torch_cnn: Path, tmp_path: Path) -> None:
    inputs = _weights_as_inputs(torch_cnn, tmp_path / "w_in.onnx")
    net = from_onnx(inputs, batch=4)
    assert net.batch == 4 and net.total_macs() == 4 * (55_296 + 1_152 + 80)
    assert net.total_params() == 386


def test_inconsistent_input_shapes_are_rejected(tmp_path: Path) -> None:
    # 5 input channels against a weight expecting 3 (ONNX inference does not check this).
    with pytest.raises(ShapeInferenceError, match="Conv node 'conv': input has 5 channels.*3"):
        from_onnx(_dynamic(tmp_path), input_shapes={"x": [1, 5, 6, 8]})
    # A rank change is caught by ONNX shape inference itself (Conv needs rank >= 3).
    with pytest.raises(ShapeInferenceError, match="shape inference failed"):
        from_onnx(_dynamic(tmp_path), input_shapes={"x": [5, 6]})


def test_unknown_input_shapes_name(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="'y'.*not an input.*inputs: x"):
        from_onnx(_dynamic(tmp_path), input_shapes={"y": [1, 3, 8, 8]})


# ---- errors ---------------------------------------------------------------------------
def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="nope.onnx: no such file"):
        from_onnx(tmp_path / "nope.onnx")


def test_corrupt_and_non_onnx_files(tmp_path: Path) -> None:
    junk = tmp_path / "junk.onnx"
    junk.write_bytes(bytes(range(256)))
    with pytest.raises(InputFileError, match=r"junk\.onnx: not an ONNX model file"):
        from_onnx(junk)
    empty = tmp_path / "empty.onnx"
    empty.write_bytes(b"")
    with pytest.raises(InputFileError, match=r"empty\.onnx: not a valid ONNX model"):
        from_onnx(empty)


def test_uninferable_shape_names_op_and_node(tmp_path: Path) -> None:
    # Reshape to a run-time shape tensor: the output shape is unknown, so the Relu fails.
    nodes = [
        helper.make_node("Reshape", ["x", "shape"], ["r"], name="reshape"),
        helper.make_node("Relu", ["r"], ["y"], name="act"),
    ]
    path = _save(
        tmp_path,
        "noshape.onnx",
        nodes,
        [_vi("x", [1, 3, 4, 4]), _vi("shape", [2], TensorProto.INT64)],
        [_vi("y", ["a", "b"])],
    )
    with pytest.raises(ShapeInferenceError) as err:
        from_onnx(path)
    msg = str(err.value)
    assert "Relu node 'act'" in msg and "--input-shape x=1,3,4,4" in msg


def _with_det(tmp: Path) -> Path:
    nodes = [
        helper.make_node("Relu", ["x"], ["r"], name="pre"),
        helper.make_node("Det", ["r"], ["d"], name="det"),
        helper.make_node("Relu", ["d"], ["y"], name="post"),
    ]
    return _save(tmp, "det.onnx", nodes, [_vi("x", [2, 3, 3])], [_vi("y", [2])])


def test_unsupported_operator_error(tmp_path: Path) -> None:
    with pytest.raises(UnsupportedOperatorError) as err:
        from_onnx(_with_det(tmp_path))
    msg = str(err.value)
    assert "operator 'Det' (node 'det')" in msg and "--allow-unsupported" in msg


def test_allow_unsupported_placeholder_and_warning(tmp_path: Path) -> None:
    with pytest.warns(UserWarning, match="'Det' \\(node 'det'\\).*placeholder"):
        net = from_onnx(_with_det(tmp_path), allow_unsupported=True)
    (ph,) = net.placeholders
    assert isinstance(ph, Unsupported) and ph.name == "det" and ph.op_type == "Det"
    assert ph.reason and ph.kernels() == []
    assert net.layer("post").inputs == ("det",)


@pytest.mark.parametrize(("mode", "ops"), [("linear", 9), ("cubic", 35)])
def test_interpolating_resize_is_vector_work(tmp_path: Path, mode: str, ops: int) -> None:
    nodes = [helper.make_node("Resize", ["x", "", "sc"], ["y"], name="up", mode=mode)]
    sc = numpy_helper.from_array(np.array([1, 1, 2, 2], dtype=np.float32), "sc")
    path = _save(
        tmp_path, "rs.onnx", nodes, [_vi("x", [1, 2, 4, 4])], [_vi("y", [1, 2, 8, 8])], [sc]
    )
    (up,) = from_onnx(path).layers
    # 2x upsampling of 4x4 to 8x8 over 2 channels: 128 outputs, bilinear 3 lerps of 3
    # ops; bicubic 5 four-tap filters of 7 ops.
    assert isinstance(up, Elementwise) and up.elements == 128
    assert up.other_ops() == 128 * ops


def test_cubic_resize_over_three_axes_is_unsupported_with_reason(tmp_path: Path) -> None:
    nodes = [helper.make_node("Resize", ["x", "", "sc"], ["y"], name="up", mode="cubic")]
    sc = numpy_helper.from_array(np.array([1, 2, 2, 2], dtype=np.float32), "sc")
    path = _save(
        tmp_path, "rs3.onnx", nodes, [_vi("x", [1, 2, 4, 4])], [_vi("y", [1, 4, 8, 8])], [sc]
    )
    with pytest.raises(UnsupportedOperatorError, match="'cubic' interpolation over 3 axes"):
        from_onnx(path)


# ---- naming, folding, opset -------------------------------------------------------------
def test_empty_and_duplicate_names_made_unique(tmp_path: Path) -> None:
    nodes = [
        helper.make_node("Relu", ["x"], ["a"]),
        helper.make_node("Relu", ["a"], ["b"], name="act"),
        helper.make_node("Relu", ["b"], ["y"], name="act"),
    ]
    path = _save(tmp_path, "names.onnx", nodes, [_vi("x", [4])], [_vi("y", [4])])
    net = from_onnx(path)
    assert [op.name for op in net.layers] == ["Relu_0", "act", "act_2"]
    assert net.layers[2].inputs == ("act",)


def test_constant_subgraph_is_folded(tmp_path: Path) -> None:
    # sqrt(constant) is computed before run time: a zero-cost 'constant' ShapeOp, and the
    # Mul that uses it sees one live input.
    nodes = [
        helper.make_node("Sqrt", ["c"], ["sc"], name="sqrt"),
        helper.make_node("Mul", ["x", "sc"], ["y"], name="mul"),
    ]
    c = numpy_helper.from_array(np.array(4.0, dtype=np.float32), "c")
    path = _save(tmp_path, "fold.onnx", nodes, [_vi("x", [3, 5])], [_vi("y", [3, 5])], [c])
    sqrt, mul = from_onnx(path).layers
    assert isinstance(sqrt, ShapeOp) and sqrt.function == "constant" and sqrt.other_ops() == 0
    assert isinstance(mul, Elementwise) and mul.num_inputs == 1 and mul.other_ops() == 15


def test_old_opset_is_converted(tmp_path: Path) -> None:
    nodes = [
        helper.make_node("Conv", ["x", "w"], ["c"], name="conv"),
        helper.make_node("Softmax", ["c"], ["y"], name="sm", axis=1),
    ]
    path = _save(
        tmp_path,
        "old.onnx",
        nodes,
        [_vi("x", [1, 2, 5, 5])],
        [_vi("y", [1, 4, 3, 3])],
        [_init("w", 4, 2, 3, 3)],
        opset=11,
    )
    net = from_onnx(path)
    # 9 px * 4 out * 18 = 648 MACs
    assert net.total_macs() == 648
    assert isinstance(net.layer("sm"), Softmax)


# ---- BERT-base --------------------------------------------------------------------------
@pytest.mark.slow
def test_bert_base_shape_only_import_speed_and_macs(tmp_path: Path) -> None:
    torch.manual_seed(0)
    model = transformers.BertModel(transformers.BertConfig(attn_implementation="eager")).eval()
    # Non-zero random biases: the exporter's optimizer drops all-zero biases and merges
    # identical initializers, which would hide real parameters.
    with torch.no_grad():
        for p in model.parameters():
            p.normal_(0.0, 0.02)
    full = tmp_path / "bert.onnx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            model,
            (torch.zeros(1, 128, dtype=torch.long),),
            str(full),
            dynamo=True,
            external_data=False,
            input_names=["input_ids"],
            verbose=False,
        )
    shape_only = _shape_only_external(full, tmp_path / "bert_shapes.onnx")
    assert shape_only.stat().st_size < 5_000_000  # no weight data in the file
    start = time.perf_counter()
    net = from_onnx(shape_only)
    elapsed = time.perf_counter() - start
    assert elapsed < 2.0
    # Hand derivation, seq T=128, d=768, FFN 3072, 12 layers, batch 1:
    #   Q, K, V, O projections 4*T*d*d = 301,989,888
    #   FFN 2*T*d*3072                  = 603,979,776
    #   QK^T and PV 2*T*T*d              =  25,165,824   (12 heads x 128x64x128 each)
    #   per layer 931,135,488; x12 = 11,173,625,856; pooler 1*768*768 = 589,824
    assert net.total_macs() == 11_174_215_680
    # 109,482,240 parameters (= bert-base-uncased incl. pooler); mean/var-free model
    assert net.total_params() == sum(p.numel() for p in model.parameters()) == 109_482_240
    kinds = [op.kind for op in net.layers]
    assert kinds.count("linear") == 12 * 6 + 1 and kinds.count("matmul") == 24
    assert kinds.count("softmax") == 12 and kinds.count("norm") == 25
    assert kinds.count("embedding") == 3
    assert net.family == "transformer" and net.seq_len == 128


# ---- fused and quantized operators ------------------------------------------------------
def test_onnx_attention_op_maps_to_attention(tmp_path: Path) -> None:
    node = helper.make_node("Attention", ["q", "k", "v"], ["y"], name="attn")
    shape = [2, 4, 16, 8]  # batch, heads, seq, head_dim
    path = _save(
        tmp_path,
        "attn.onnx",
        [node],
        [_vi("q", shape), _vi("k", shape), _vi("v", shape)],
        [_vi("y", shape)],
        opset=23,
    )
    net = from_onnx(path)
    (attn,) = net.layers
    assert (attn.batch, attn.heads, attn.head_dim, attn.seq_q, attn.seq_kv) == (2, 4, 8, 16, 16)
    # QK^T and PV: 2 * (2*4 groups * 16*8*16) = 2 * 16,384 = 32,768 MACs
    assert net.total_macs() == 32_768 and net.family == "transformer"


def test_qlinearconv_uses_quantized_operand_slots(tmp_path: Path) -> None:
    scalars = {
        "xs": np.float32(0.1),
        "xz": np.uint8(0),
        "ws": np.float32(0.1),
        "wz": np.int8(0),
        "ys": np.float32(0.1),
        "yz": np.uint8(0),
    }
    inits = [numpy_helper.from_array(np.array(v), k) for k, v in scalars.items()]
    w = numpy_helper.from_array(RNG.integers(-5, 5, (4, 2, 3, 3)).astype(np.int8), "w")
    b = numpy_helper.from_array(np.zeros(4, dtype=np.int32), "b")
    node = helper.make_node(
        "QLinearConv", ["x", "xs", "xz", "w", "ws", "wz", "ys", "yz", "b"], ["y"], name="qconv"
    )
    path = _save(
        tmp_path,
        "qconv.onnx",
        [node],
        [_vi("x", [1, 2, 5, 5], TensorProto.UINT8)],
        [_vi("y", [1, 4, 3, 3], TensorProto.UINT8)],
        [*inits, w, b],
    )
    conv = from_onnx(path).layers[0]
    # 9 px * 4 out * (2*3*3) = 648 MACs; weights 72 + bias 4
    assert isinstance(conv, Conv2d) and conv.macs() == 648 and conv.params() == 76


def test_gemm_with_activation_b_is_matmul(tmp_path: Path) -> None:
    nodes = [
        helper.make_node("Relu", ["b"], ["rb"], name="act"),
        helper.make_node("Gemm", ["a", "rb"], ["y"], name="g", transA=1),
    ]
    path = _save(
        tmp_path, "gemm.onnx", nodes, [_vi("a", [8, 3]), _vi("b", [8, 5])], [_vi("y", [3, 5])]
    )
    g = from_onnx(path).layer("g")
    # B is produced at run time: an activation x activation product, (3x8) @ (8x5) = 120 MACs
    assert isinstance(g, MatMul) and (g.batch, g.m, g.k, g.n) == (1, 3, 8, 5)
    assert g.macs() == 120 and not g.kernels()[0].b_is_weight


class _MaskedSDPA(torch.nn.Module):
    """A projection and scaled-dot-product attention with a boolean mask: the TorchScript
    exporter writes its masked softmax with IsNaN (issue 14: it blocked 17 of 52 models)."""

    def __init__(self) -> None:
        super().__init__()
        self.qkv = torch.nn.Linear(16, 48)

    def forward(self, x, mask):
        q, k, v = self.qkv(x).view(2, 8, 3, 2, 8).permute(2, 0, 3, 1, 4)
        return torch.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=mask)


def test_masked_attention_export_with_isnan_imports(tmp_path: Path) -> None:
    import onnx

    path = tmp_path / "sdpa.onnx"
    mask = torch.ones(2, 1, 8, 8, dtype=torch.bool)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            _MaskedSDPA().eval(),
            (torch.zeros(2, 8, 16), mask),
            str(path),
            dynamo=False,
            input_names=["x", "mask"],
            opset_version=17,
        )
    assert "IsNaN" in {n.op_type for n in onnx.load(str(path)).graph.node}
    net = from_onnx(path)
    # qkv 2*8*16*48 = 12,288; Q K^T and A V: 2 batch * 2 heads * 8*8*8 = 2,048 each.
    assert net.total_macs() == 12_288 + 2 * 2_048


def _weights(**arrays) -> list:
    return [numpy_helper.from_array(v.astype(np.float32), k) for k, v in arrays.items()]


def test_products_of_weights_are_costed_not_folded(tmp_path: Path) -> None:
    # Issue 14: DeBERTa's projections of its relative-position embeddings are products
    # of weights only; folding them as constants lost 37% of its MACs.
    nodes = [
        helper.make_node("MatMul", ["W1", "W2"], ["P"], name="proj"),
        helper.make_node("MatMul", ["x", "P"], ["y"], name="use"),
    ]
    path = _save(
        tmp_path,
        "wprod.onnx",
        nodes,
        [_vi("x", [1, 4, 8])],
        [_vi("y", [1, 4, 16])],
        _weights(W1=RNG.random((8, 16)), W2=RNG.random((16, 16))),
    )
    net = from_onnx(path)
    # W1 @ W2: 8*16*16 = 2,048; x @ P: 4*8*16 = 512. Learned: W1 128 + W2 256.
    assert net.total_macs() == 2_048 + 512
    assert net.total_params() == 128 + 256


def test_tied_and_reused_weights_are_counted_once(tmp_path: Path) -> None:
    # A token embedding tied to the output projection (GPT-2's lm_head), and one
    # recurrent weight read by every step of an unrolled loop.
    nodes = [
        helper.make_node("Gather", ["E", "ids"], ["h0"], name="embed"),
        helper.make_node("MatMul", ["h0", "R"], ["h1"], name="step1"),
        helper.make_node("MatMul", ["h1", "R"], ["h2"], name="step2"),
        helper.make_node("MatMul", ["h2", "R"], ["h3"], name="step3"),
        helper.make_node("Transpose", ["E"], ["Et"], name="tie", perm=[1, 0]),
        helper.make_node("MatMul", ["h3", "Et"], ["logits"], name="lm_head"),
    ]
    path = _save(
        tmp_path,
        "tied.onnx",
        nodes,
        [_vi("ids", [1, 5], TensorProto.INT64)],
        [_vi("logits", [1, 5, 100])],
        _weights(E=RNG.random((100, 16)), R=RNG.random((16, 16))),
    )
    net = from_onnx(path)
    assert net.total_params() == 100 * 16 + 16 * 16  # not 2x E, not 3x R
    # The MACs are every use's: 3 steps * 5*16*16 + lm_head 5*16*100.
    assert net.total_macs() == 3 * 1_280 + 8_000


def test_torch_export_with_a_tied_embedding_counts_parameters_once(tmp_path: Path) -> None:
    class Tied(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.emb = torch.nn.Embedding(100, 16)
            self.mix = torch.nn.Linear(16, 16)
            self.head = torch.nn.Linear(16, 100, bias=False)
            self.head.weight = self.emb.weight

        def forward(self, ids):
            return self.head(torch.tanh(self.mix(self.emb(ids))))

    model = Tied()
    path = tmp_path / "tied_torch.onnx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            model.eval(), (torch.zeros(1, 7, dtype=torch.long),), str(path), dynamo=False
        )
    net = from_onnx(path)
    # The exporter stores head.weight again as a transposed copy; it is the same tensor.
    assert net.total_params() == sum(p.numel() for p in model.parameters()) == 1_600 + 272


def test_einsum_contractions_are_gemms(tmp_path: Path) -> None:
    nodes = [
        helper.make_node("Einsum", ["q", "k"], ["s"], name="scores", equation="bhqd,bhkd->bhqk"),
        helper.make_node("Einsum", ["s", "W"], ["y"], name="proj", equation="bhqk,kn->bhqn"),
    ]
    path = _save(
        tmp_path,
        "einsum.onnx",
        nodes,
        [_vi("q", [2, 4, 8, 16]), _vi("k", [2, 4, 9, 16])],
        [_vi("y", [2, 4, 8, 5])],
        _weights(W=RNG.random((9, 5))),
    )
    scores, proj = from_onnx(path).layers
    assert isinstance(scores, MatMul) and scores.macs() == 8 * 8 * 16 * 9
    # b, h, q only in the activation and the output: rows of a Linear on the weight.
    assert isinstance(proj, Linear) and (proj.rows, proj.in_features) == (64, 9)
    assert proj.macs() == 2 * 4 * 8 * 9 * 5
    bad = [helper.make_node("Einsum", ["q"], ["t"], name="trace", equation="bhqd->bh")]
    path = _save(tmp_path, "bad.onnx", bad, [_vi("q", [2, 4, 8, 16])], [_vi("t", [2, 4])], [])
    with pytest.raises(UnsupportedOperatorError, match="einsum 'bhqd->bh'"):
        from_onnx(path)


def test_3d_convolution_export_counts_like_the_module(tmp_path: Path) -> None:
    module = torch.nn.Sequential(
        torch.nn.Conv3d(3, 8, 3, stride=(1, 2, 2), padding=1), torch.nn.ReLU()
    ).eval()
    x = torch.zeros(1, 3, 6, 10, 10)
    path = _export(module, (x,), tmp_path / "c3d.onnx")
    net = from_onnx(path)
    # 6 x 5 x 5 output positions x 8 channels x 3 * 27 weights each = 97,200 MACs.
    macs = 6 * 5 * 5 * 8 * 3 * 27
    assert net.total_macs() == macs
    assert net.total_params() == 8 * 3 * 27 + 8


def test_opset18_split_attribute_in_an_opset17_file_is_repaired(tmp_path: Path) -> None:
    # The dynamo exporter writes Split(num_outputs=...) (opset 18) into opset-17 files.
    split = helper.make_node("Split", ["x"], ["a", "b"], name="sp", axis=1, num_outputs=2)
    path = _save(
        tmp_path,
        "split17.onnx",
        [split],
        [_vi("x", [1, 8])],
        [_vi("a", [1, 4]), _vi("b", [1, 4])],
        [],
        opset=17,
    )
    (op,) = from_onnx(path).layers
    assert isinstance(op, ShapeOp) and op.function == "split"
