"""Operator accounting and lowering to canonical kernels, checked against hand derivations."""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import ValidationError

from accelscope.workload import (
    GRU,
    LSTM,
    Attention,
    Conv2d,
    ConvGeometry,
    Elementwise,
    Embedding,
    GemmKernel,
    Linear,
    MatMul,
    Network,
    Norm,
    Pool2d,
    ShapeOp,
    Softmax,
    Unsupported,
    VectorKernel,
)
from accelscope.workload.ops import (
    GRU_GATE_OPS_PER_ELEMENT,
    LSTM_GATE_OPS_PER_ELEMENT,
    SOFTMAX_OPS_PER_ELEMENT,
)


def test_conv_resnet_stem_im2col():
    # ResNet conv1: 3->64, 7x7/2, pad 3 on 224x224 -> 112x112.
    # MACs = 112*112 * 64 * 3*7*7 = 12544 * 64 * 147 = 118,013,952; weights 64*3*49 = 9408.
    c = Conv2d(
        name="conv1",
        in_channels=3,
        out_channels=64,
        in_h=224,
        in_w=224,
        kernel=7,
        stride=2,
        padding=3,
        bias=False,
    )
    assert (c.out_h, c.out_w) == (112, 112)
    assert c.macs() == 118_013_952
    assert c.params() == 9408
    # The GEMM keeps the feature map it reads: rows 0..223 (the last window ends at
    # (112-1)*2 - 3 + 7 - 1 = 225, clipped to 223), 3 channels, receptive field 7.
    geo = ConvGeometry(1, 3, 224, 224, 112, 112, 2, 2, 7, 7)
    assert c.kernels() == [GemmKernel(groups=1, m=12544, k=147, n=64, conv=geo)]
    assert geo.input_elements == 3 * 224 * 224
    assert c.input_bytes("int8") == 3 * 224 * 224
    assert c.output_bytes("fp16") == 2 * 64 * 112 * 112
    assert c.weight_bytes("fp32") == 4 * 9408


def test_depthwise_and_grouped_conv():
    # Depthwise 3x3, 32 channels, 32x32, pad 1: G=32 GEMMs of M=1024, K=9, N=1.
    dw = Conv2d(
        name="dw",
        in_channels=32,
        out_channels=32,
        in_h=32,
        in_w=32,
        kernel=3,
        padding=1,
        groups=32,
        bias=False,
    )
    assert dw.is_depthwise
    assert dw.kernels() == [
        GemmKernel(32, 1024, 9, 1, conv=ConvGeometry(1, 1, 32, 32, 32, 32, 1, 1, 3, 3))
    ]
    assert dw.kernels()[0].depthwise
    assert dw.macs() == 32 * 1024 * 9
    assert dw.params() == 32 * 9
    # Grouped (ResNeXt-like) 64->128, g=4: K = 16*9 = 144, N = 32, M = 16*16.
    g = Conv2d(
        name="g", in_channels=64, out_channels=128, in_h=16, in_w=16, kernel=3, padding=1, groups=4
    )
    assert g.kernels() == [
        GemmKernel(4, 256, 144, 32, conv=ConvGeometry(1, 16, 16, 16, 16, 16, 1, 1, 3, 3))
    ]
    assert not g.kernels()[0].depthwise
    assert g.params() == 128 * 16 * 9 + 128


def test_conv_dilation_asymmetric_padding_and_stride():
    # Dilation 2 on a 3x3 kernel spans 5: (10 - 5)/1 + 1 = 6.
    d = Conv2d(name="d", in_channels=1, out_channels=1, in_h=10, in_w=10, kernel=3, dilation=2)
    assert (d.out_h, d.out_w) == (6, 6)
    # Asymmetric (top, left, bottom, right) = (0, 0, 1, 1), 3x3/2 on 8x8: (8+1-3)//2+1 = 4.
    a = Conv2d(
        name="a",
        in_channels=1,
        out_channels=1,
        in_h=8,
        in_w=8,
        kernel=3,
        stride=2,
        padding=(0, 0, 1, 1),
    )
    assert (a.out_h, a.out_w) == (4, 4)
    # Rectangular kernel (1x7) and padding pair (h, w) = (0, 3) keeps width.
    r = Conv2d(
        name="r", in_channels=2, out_channels=4, in_h=5, in_w=9, kernel=(1, 7), padding=(0, 3)
    )
    assert (r.out_h, r.out_w) == (5, 9)
    # 1x7 window, padding (0, 3): columns -3..11 are read, 0..8 exist -> all 9 columns.
    assert r.kernels() == [
        GemmKernel(1, 45, 14, 4, conv=ConvGeometry(1, 2, 5, 9, 5, 9, 1, 1, 1, 7))
    ]
    # A 3x3 stride-2 conv with no padding on 8x8 reads rows 0..6 only ((3-1)*2 + 3 = 7).
    s2 = Conv2d(name="s2", in_channels=1, out_channels=1, in_h=8, in_w=8, kernel=3, stride=2)
    assert (s2.out_h, s2.geometry().in_h, s2.geometry().in_w) == (3, 7, 7)


def test_conv_rejects_inconsistent_shapes():
    with pytest.raises(ValidationError, match="groups=3 must divide"):
        Conv2d(name="x", in_channels=4, out_channels=6, in_h=4, in_w=4, kernel=1, groups=3)
    with pytest.raises(ValidationError, match="does not fit"):
        Conv2d(name="x", in_channels=1, out_channels=1, in_h=2, in_w=2, kernel=5)
    with pytest.raises(ValidationError):
        Conv2d(name="x", in_channels=0, out_channels=1, in_h=2, in_w=2, kernel=1)


def test_linear_and_matmul():
    # BERT FFN up-projection at seq 128: 128 x 768 @ 768 x 3072.
    lin = Linear(name="ffn", rows=128, in_features=768, out_features=3072)
    assert lin.macs() == 128 * 768 * 3072 == 301_989_888
    assert lin.params() == 768 * 3072 + 3072
    assert lin.kernels() == [GemmKernel(1, 128, 768, 3072)]
    mm = MatMul(name="qk", batch=12, m=128, k=64, n=128)
    assert mm.params() == 0
    assert mm.kernels() == [GemmKernel(12, 128, 64, 128, b_is_weight=False)]
    assert mm.input_elements() == 12 * (128 * 64 + 64 * 128)


def test_lstm_lowering_matches_hand_derivation():
    # Zaremba "medium" LSTM: 2 layers, hidden 650, input 650, 35 steps, batch 1.
    # Per layer: input projection 35 x 650 @ 650 x 2600 plus 35 recurrent 1 x 650 @ 650 x 2600
    # = 35 * 2600 * 1300 = 118,300,000 MACs; two layers 236,600,000.
    # Params per layer: 4H(in + H) + 8H = 2600 * 1300 + 5200 = 3,385,200; two layers 6,770,400.
    lstm = LSTM(name="lstm", seq_len=35, input_size=650, hidden_size=650, num_layers=2)
    assert lstm.macs() == 236_600_000
    assert lstm.params() == 6_770_400
    ks = lstm.kernels()
    proj = GemmKernel(1, 35, 650, 2600)
    rec = GemmKernel(1, 1, 650, 2600, repeats=35, sequential=True)
    gate = VectorKernel(650, LSTM_GATE_OPS_PER_ELEMENT, 2 * 2600 + 650, 2 * 650)
    assert ks.count(proj) == 2 and ks.count(rec) == 2 and ks.count(gate) == 70
    assert len(ks) == 74
    assert lstm.other_ops() == 70 * 650 * LSTM_GATE_OPS_PER_ELEMENT


def test_bidirectional_gru_second_layer_sees_both_directions():
    # GRU, 2 layers, bidirectional, H=128, input 40, T=50, batch 2.
    gru = GRU(
        name="gru",
        batch=2,
        seq_len=50,
        input_size=40,
        hidden_size=128,
        num_layers=2,
        bidirectional=True,
    )
    g3 = 3 * 128
    # params: layer 0: 2 dirs * (3H(40 + H) + 6H); layer 1: 2 dirs * (3H(2H + H) + 6H)
    expected = 2 * (g3 * (40 + 128) + 2 * g3) + 2 * (g3 * (256 + 128) + 2 * g3)
    assert gru.params() == expected
    ks = gru.kernels()
    assert ks.count(GemmKernel(1, 100, 40, g3)) == 2
    assert ks.count(GemmKernel(1, 100, 256, g3)) == 2
    assert ks.count(GemmKernel(1, 2, 128, g3, repeats=50, sequential=True)) == 4
    gate = VectorKernel(2 * 128, GRU_GATE_OPS_PER_ELEMENT, 2 * 2 * g3, 2 * 128)
    assert ks.count(gate) == 4 * 50
    assert gru.output_elements() == 2 * 50 * 256


def test_attention_core_lowering():
    # BERT-base self-attention core at seq 128: 12 heads of 64.
    att = Attention(name="att", heads=12, head_dim=64, seq_q=128, seq_kv=128)
    scores = 12 * 128 * 128
    assert att.kernels() == [
        GemmKernel(12, 128, 64, 128, b_is_weight=False),
        VectorKernel(scores, SOFTMAX_OPS_PER_ELEMENT + 1, scores, scores),
        GemmKernel(12, 128, 128, 64, b_is_weight=False),
    ]
    assert att.macs() == 2 * 12 * 128 * 128 * 64
    # Decode step: one query over a 513-entry KV cache.
    dec = Attention(name="d", heads=12, head_dim=64, seq_q=1, seq_kv=513)
    assert dec.macs() == 2 * 12 * 513 * 64


def test_vector_ops_pool_norm_softmax_embedding():
    mp = Pool2d(
        name="mp", mode="max", channels=64, in_h=112, in_w=112, kernel=3, stride=2, padding=1
    )
    assert (mp.out_h, mp.out_w) == (56, 56)  # (112 + 2 - 3)//2 + 1
    assert mp.kernels() == [VectorKernel(64 * 56 * 56, 9, 64 * 112 * 112, 64 * 56 * 56)]
    ceil = Pool2d(
        name="c", mode="max", channels=1, in_h=7, in_w=7, kernel=2, stride=2, ceil_mode=True
    )
    assert ceil.out_h == 4  # ceil((7 - 2)/2) + 1
    gp = Pool2d(name="gp", mode="avg", batch=2, channels=2048, in_h=7, in_w=7, global_pool=True)
    assert gp.kernels() == [VectorKernel(2 * 2048, 49, 2 * 2048 * 49, 2 * 2048)]
    bn = Norm(name="bn", norm="batch", elements=1000, channels=10)
    assert bn.params() == 20 and bn.other_ops() == 2000
    ln = Norm(name="ln", norm="layer", elements=128 * 768, channels=768)
    assert ln.params() == 2 * 768 and ln.macs() == 0
    sm = Softmax(name="sm", rows=10, length=100)
    assert sm.other_ops() == 1000 * SOFTMAX_OPS_PER_ELEMENT
    emb = Embedding(name="e", tokens=128, num_embeddings=30522, embedding_dim=768)
    assert emb.params() == 30522 * 768
    assert emb.kernels() == [VectorKernel(128 * 768, 0, 128 * 768, 128 * 768)]
    add = Elementwise(name="add", function="add", elements=100, num_inputs=2)
    assert add.kernels() == [VectorKernel(100, 1, 200, 100)]
    assert Elementwise(name="g", function="GELU", elements=4).function == "gelu"


def test_zero_cost_ops():
    for op in (
        ShapeOp(name="r", function="reshape", elements=10),
        Unsupported(name="u", op_type="NonMaxSuppression"),
    ):
        assert op.kernels() == [] and op.macs() == 0 and op.params() == 0


def _small_net() -> Network:
    conv = dict(in_channels=8, out_channels=8, in_h=8, in_w=8, kernel=3, padding=1)
    return Network(
        name="small",
        layers=[
            Conv2d(name="c1", **conv),
            Elementwise(name="r1", function="relu", elements=512),
            Conv2d(name="c2", **conv),
            Elementwise(name="r2", function="relu", elements=512),
            Unsupported(name="nms", op_type="NonMaxSuppression"),
            Linear(name="fc", in_features=512, out_features=10),
        ],
    )


def test_kernel_table_deduplicates_with_counts():
    net = _small_net()
    t = net.kernel_table
    # c1 and c2 lower to the same GEMM; r1 and r2 to the same vector kernel.
    assert t.n_gemm == 2 and t.n_vec == 1
    assert sorted(t.gemm_count.tolist()) == [1, 2]
    assert t.vec_count.tolist() == [2]
    assert t.gemm_layer_counts.shape == (6, 2)
    # Totals through the table equal totals through the ops.
    macs = (t.gemm_groups * t.gemm_m * t.gemm_k * t.gemm_n * t.gemm_repeats * t.gemm_count).sum()
    assert macs == net.total_macs()
    per_layer = t.gemm_layer_counts @ (t.gemm_groups * t.gemm_m * t.gemm_k * t.gemm_n)
    assert per_layer.tolist() == [op.macs() for op in net.layers]
    assert t.layer_names == ("c1", "r1", "c2", "r2", "nms", "fc")
    assert [p.name for p in net.placeholders] == ["nms"]
    assert np.array_equal(t.gemm_b_is_weight, np.array([True, True]))


def test_network_validation_and_summary():
    with pytest.raises(ValidationError, match="duplicate layer name"):
        Network(name="x", layers=[Linear(name="a", in_features=1, out_features=1)] * 2)
    with pytest.raises(ValidationError):
        Network(name="x", layers=[])
    net = _small_net()
    s = net.summary()
    assert s["total_macs"] == net.total_macs() == 2 * 64 * 72 * 8 + 512 * 10
    assert [k["count"] for k in s["kernels"] if k["kind"] == "vector"] == [2]
    assert s["unsupported"] == [{"name": "nms", "op_type": "NonMaxSuppression", "reason": ""}]
    # The YAML dict round-trips to an identical network.
    assert Network.model_validate(net.to_yaml_dict()) == net


def test_param_count_for_tied_and_chunked_weights():
    import pickle

    # GPT-2's lm_head reads the 50257 x 768 token table but does not own it.
    head = Linear(
        name="lm_head", rows=4, in_features=768, out_features=50257, bias=False, param_count=0
    )
    assert head.params() == 0
    assert head.weight_elements() == head.used_params() == 768 * 50257
    assert head.macs() == 4 * 768 * 50257
    # A chunked weight counted whole at its first user (MultiheadAttention in_proj).
    q = Linear(name="q", in_features=32, out_features=32, param_count=3 * (32 * 32 + 32))
    assert q.params() == 3168 and q.weight_elements() == 32 * 32 + 32
    net = Network(name="tied", layers=[head, q])
    assert net.total_params() == 3168
    # Round trips through the YAML dict and pickle keep the override.
    assert Network.model_validate(net.to_yaml_dict()).total_params() == 3168
    assert pickle.loads(pickle.dumps(net)) == net
