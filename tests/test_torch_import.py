"""Tests of the PyTorch importer (torch.export on the meta device) and the reference modules.

Golden MAC counts are derived by hand in the comments (conv: out_h*out_w*C/g*R*S*K*batch;
linear: rows*in*out; LSTM per layer and direction: B*T*I*4H + B*T*H*4H).
"""

from __future__ import annotations

import sys
import warnings

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from accelscope.errors import AccelscopeError, UnsupportedOperatorError
from accelscope.workload import (
    GRU,
    LSTM,
    Attention,
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
from accelscope.workload import from_torch as dispatch_from_torch
from accelscope.workload import zoo_torch as zt
from accelscope.workload.torch_import import from_torch


def numel(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def meta(build):
    with torch.device("meta"):
        return build()


# ---- small modules with hand-derived counts -----------------------------------------------
class SmallCNN(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 3, stride=2, padding=1)
        self.bn = nn.BatchNorm2d(16)
        self.act = nn.ReLU()
        self.dw = nn.Conv2d(16, 16, 3, padding=2, dilation=2, groups=16)
        self.pw = nn.Conv2d(16, 32, 1, bias=False)
        self.pool = nn.MaxPool2d(2)
        self.gap = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(32, 10)

    def forward(self, x):
        x = self.act(self.bn(self.conv1(x)))
        x = F.relu6(self.pw(self.dw(x)))
        x = self.gap(self.pool(x)).flatten(1)
        return self.fc(x)


def test_small_cnn_shapes_macs_params_and_names() -> None:
    module = SmallCNN()
    net = from_torch(module, torch.zeros(2, 3, 32, 32))
    ops = {op.name: op for op in net.layers}
    conv1, dw, pw = ops["conv1"], ops["dw"], ops["pw"]
    assert isinstance(conv1, Conv2d) and (conv1.out_h, conv1.out_w) == (16, 16)
    assert conv1.stride == (2, 2) and conv1.padding == (1, 1, 1, 1) and conv1.bias
    assert isinstance(dw, Conv2d) and dw.is_depthwise and dw.groups == 16
    assert dw.dilation == (2, 2) and dw.padding == (2, 2, 2, 2) and (dw.out_h, dw.out_w) == (16, 16)
    assert isinstance(pw, Conv2d) and not pw.bias and pw.out_channels == 32
    assert isinstance(ops["bn"], Norm) and ops["bn"].norm == "batch" and ops["bn"].channels == 16
    assert isinstance(ops["act"], Elementwise) and ops["act"].function == "relu"
    relu6 = [op for op in net.layers if isinstance(op, Elementwise) and op.function == "relu6"]
    assert len(relu6) == 1 and relu6[0].elements == 2 * 32 * 16 * 16
    pool, gap = ops["pool"], ops["gap"]
    assert isinstance(pool, Pool2d) and pool.mode == "max" and (pool.out_h, pool.out_w) == (8, 8)
    assert isinstance(gap, Pool2d) and gap.global_pool and gap.mode == "avg"
    assert isinstance(ops["fc"], Linear) and ops["fc"].rows == 2
    # conv1 2*16*16*(3*9)*16 = 221,184; dw 2*16*16*9*16 = 73,728; pw 2*16*16*16*32 = 262,144;
    # fc 2*32*10 = 640.
    assert net.total_macs() == 221_184 + 73_728 + 262_144 + 640
    # conv1 432+16, bn 32, dw 144+16, pw 512, fc 320+10 = 1,482.
    assert net.total_params() == numel(module) == 1_482
    assert net.batch == 2 and net.family == "cnn"
    assert ops["conv1"].inputs == ("x",) and ops["bn"].inputs == ("conv1",)


def test_inputs_as_shapes_and_dispatcher_agree() -> None:
    module = meta(SmallCNN)
    by_tensor = from_torch(module, torch.zeros(2, 3, 32, 32))
    by_shape = dispatch_from_torch(module, (2, 3, 32, 32), name="small")
    assert by_shape.name == "small"
    assert by_shape.kernel_multiset() == by_tensor.kernel_multiset()
    assert from_torch(module, torch.Size([2, 3, 32, 32])).total_macs() == by_tensor.total_macs()


def test_conv1d_same_padding() -> None:
    module = nn.Conv1d(4, 8, 5, padding="same")
    net = from_torch(module, torch.zeros(1, 4, 100))
    (conv,) = [op for op in net.layers if isinstance(op, Conv2d)]
    assert (conv.in_h, conv.in_w, conv.kernel, conv.padding) == (1, 100, (1, 5), (0, 2, 0, 2))
    assert conv.out_w == 100
    assert net.total_macs() == 100 * 4 * 5 * 8  # 16,000


@pytest.mark.parametrize(
    ("kwargs", "length"),
    [
        ({"padding": 1}, 100),
        ({"padding": 2, "stride": 2}, 101),
        ({"padding": 3, "dilation": 2}, 64),
        ({"padding": 0}, 50),
    ],
)
def test_conv1d_integer_padding_counts_like_the_flop_counter(kwargs, length) -> None:
    # Issue 14: the 1-D -> 2-D lift padded the height too, costing ~3x the MACs.
    from torch.utils.flop_counter import FlopCounterMode

    module = nn.Conv1d(6, 10, 3, **kwargs)
    x = torch.zeros(2, 6, length)
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        out = module(x)
    net = from_torch(module, x)
    (conv,) = [op for op in net.layers if isinstance(op, Conv2d)]
    assert conv.in_h == 1 and conv.padding[0] == conv.padding[2] == 0
    assert (conv.out_h, conv.out_w) == (1, out.shape[-1])
    assert net.total_macs() == counter.get_total_flops() // 2


class AttnBlock(nn.Module):
    """Projections + explicit attention (matmul/softmax) + fused SDPA on the same q, k, v."""

    def __init__(self, d: int = 16, heads: int = 2) -> None:
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(d, 3 * d)
        self.norm = nn.LayerNorm(d)

    def forward(self, x):
        b, t, d = x.shape
        q, k, v = self.qkv(self.norm(x)).split(d, dim=-1)
        q, k, v = (z.view(b, t, self.heads, d // self.heads).transpose(1, 2) for z in (q, k, v))
        p = torch.softmax(q @ k.transpose(-1, -2), dim=-1)
        return p @ v + F.scaled_dot_product_attention(q, k, v)


def test_linear_matmul_softmax_attention() -> None:
    net = from_torch(meta(AttnBlock), torch.zeros(2, 5, 16))
    kinds = [type(op) for op in net.layers if not isinstance(op, ShapeOp)]
    assert kinds == [Norm, Linear, MatMul, Softmax, MatMul, Attention, Elementwise]
    norm, lin, s, sm, ctx, att, add = [op for op in net.layers if not isinstance(op, ShapeOp)]
    assert norm.norm == "layer" and norm.channels == 16 and norm.elements == 160
    assert (lin.rows, lin.in_features, lin.out_features) == (10, 16, 48)  # 2*5 rows
    assert (s.batch, s.m, s.k, s.n) == (4, 5, 8, 5)  # batch*heads = 4, head_dim 8
    assert (ctx.batch, ctx.m, ctx.k, ctx.n) == (4, 5, 5, 8)
    assert (sm.rows, sm.length) == (20, 5)
    assert (att.batch, att.heads, att.head_dim, att.seq_q, att.seq_kv) == (2, 2, 8, 5, 5)
    assert add.function == "add" and add.num_inputs == 2
    # Linear 10*16*48 = 7,680; each matmul 4*5*8*5 = 800; SDPA the same two products.
    assert net.total_macs() == 7_680 + 4 * 800
    assert net.family == "transformer"


class TiedLM(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.emb = nn.Embedding(100, 16)
        self.mix = nn.Linear(16, 16)
        self.head = nn.Linear(16, 100, bias=False)
        self.head.weight = self.emb.weight

    def forward(self, tokens):
        h = self.mix(self.mix(self.emb(tokens)))  # one module called twice
        return self.head(h)


def test_tied_and_reused_weights_counted_once() -> None:
    module = TiedLM()
    net = from_torch(module, torch.zeros(3, 7, dtype=torch.long))
    emb, mix, mix_again, head = [op for op in net.layers if not isinstance(op, ShapeOp)]
    assert isinstance(emb, Embedding) and emb.tokens == 21 and emb.params() == 1_600
    assert (mix.name, mix_again.name) == ("mix", "mix_1")
    assert mix.params() == 272 and mix_again.params() == 0
    assert head.params() == 0 and head.weight_elements() == 1_600  # still read from memory
    assert net.total_params() == numel(module) == 1_600 + 272
    # two mixes 21*16*16 = 5,376 each, head 21*16*100 = 33,600
    assert net.total_macs() == 2 * 5_376 + 33_600
    assert net.batch == 3 and net.seq_len == 7


# ---- recurrent layers ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("build", "x", "fields", "macs"),
    [
        # 2 layers, bidirectional, batch-first, B=3 T=7 I=10 H=20 (4H = 80):
        # layer 0 per dir 21*10*80 + 3*20*80*7 = 50,400; layer 1 (input 40) 21*40*80 + 33,600
        # = 100,800; both directions: 2*(50,400 + 100,800) = 302,400.
        (
            lambda: nn.LSTM(10, 20, num_layers=2, bidirectional=True, batch_first=True),
            torch.zeros(3, 7, 10),
            dict(
                batch=3, seq_len=7, input_size=10, hidden_size=20, num_layers=2, bidirectional=True
            ),
            302_400,
        ),
        # time-major GRU, T=5 B=2 I=8 H=16 (3H = 48): 10*8*48 + 2*16*48*5 = 3,840 + 7,680.
        (
            lambda: nn.GRU(8, 16),
            torch.zeros(5, 2, 8),
            dict(
                batch=2, seq_len=5, input_size=8, hidden_size=16, num_layers=1, bidirectional=False
            ),
            11_520,
        ),
        # LSTM without biases, one layer, B=1 T=4 I=6 H=5: 4*6*20 + 1*5*20*4 = 480 + 400.
        (
            lambda: nn.LSTM(6, 5, bias=False, batch_first=True),
            torch.zeros(1, 4, 6),
            dict(batch=1, seq_len=4, input_size=6, hidden_size=5, num_layers=1, bias=False),
            880,
        ),
    ],
)
def test_recurrent_variants(build, x, fields, macs) -> None:
    module = build()
    net = from_torch(module, x)
    (rnn,) = [op for op in net.layers if isinstance(op, (LSTM, GRU))]
    assert isinstance(rnn, GRU if isinstance(module, nn.GRU) else LSTM)
    for key, value in fields.items():
        assert getattr(rnn, key) == value, key
    assert net.total_macs() == macs
    assert net.total_params() == numel(module)
    assert net.family == "rnn" and (net.batch, net.seq_len) == (fields["batch"], fields["seq_len"])


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"stride": 2, "padding": 1}, {"padding": "same", "groups": 2}, {"stride": (1, 2, 2)}],
)
def test_3d_convolution_counts_like_the_flop_counter(kwargs) -> None:
    from torch.utils.flop_counter import FlopCounterMode

    module = nn.Conv3d(4, 6, 3, **kwargs).eval()
    x = torch.zeros(2, 4, 7, 9, 9)
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        module(x)
    net = from_torch(module, x)
    assert net.total_macs() == counter.get_total_flops() // 2
    assert net.total_params() == sum(p.numel() for p in module.parameters())


# ---- reference modules ----------------------------------------------------------------------
def _mobilenet_v2_macs() -> int:
    """Hand count from the block table (Sandler et al. 2018, Table 2) at 224x224."""
    hw = 112
    total = hw * hw * 27 * 32  # stem 3x3/2, 3 -> 32
    inp = 32
    for t, c, n, s in zt.MOBILENET_V2_SETTING:
        for i in range(n):
            stride = s if i == 0 else 1
            hidden = inp * t
            if t != 1:
                total += hw * hw * inp * hidden  # expand 1x1
            hw = hw // stride
            total += hw * hw * 9 * hidden  # depthwise 3x3
            total += hw * hw * hidden * c  # project 1x1
            inp = c
    return total + hw * hw * inp * 1280 + 1280 * 1000  # last 1x1 conv and classifier


# ResNet-18 at 224: conv1 112^2*147*64; layer1 4x 56^2*576*64; layers 2-4: a strided 3x3
# (C_in -> C), three 3x3 (C -> C) and a 1x1 projection, each 411,041,792; fc 512*1000.
RESNET18_MACS = (
    112 * 112 * 147 * 64
    + 4 * 56 * 56 * 576 * 64
    + 3 * (28 * 28 * 576 * 128 + 3 * 28 * 28 * 1152 * 128 + 28 * 28 * 64 * 128)
    + 512 * 1000
)
# AlexNet at 224: five convs (55^2, 27^2, 13^2 outputs) and three FCs.
ALEXNET_MACS = (
    55 * 55 * 363 * 64
    + 27 * 27 * 1600 * 192
    + 13 * 13 * (1728 * 384 + 3456 * 256 + 2304 * 256)
    + 9216 * 4096
    + 4096 * 4096
    + 4096 * 1000
)
# LSTM LM, T=35: per layer 35*650*2600 (input) + 35*650*2600 (recurrent); decoder 35*650*10000.
LSTM_LM_MACS = 2 * 2 * 35 * 650 * 2600 + 35 * 650 * 10000


@pytest.mark.parametrize(
    ("name", "macs", "params"),
    [
        # torchvision model table: 1.81 GFLOPS (MACs), 11,689,512 params.
        ("resnet18", RESNET18_MACS, 11_689_512),
        # torchvision: 0.71 GFLOPS, 61,100,840 params.
        ("alexnet", ALEXNET_MACS, 61_100_840),
        # torchvision: 0.30 GFLOPS, 3,504,872 params; Sandler et al.: 300M multiply-adds.
        ("mobilenetv2", _mobilenet_v2_macs(), 3_504_872),
        # embedding 6.5M + 2 x (4*650*1300 + 2*2600) + 650*10000 + 10000 = 19,780,400.
        ("lstm-lm", LSTM_LM_MACS, 19_780_400),
    ],
)
def test_reference_modules(name: str, macs: int, params: int) -> None:
    module = meta(zt.REFERENCE_MODULES[name])
    net = from_torch(module, zt.example_input(name))
    assert net.total_macs() == macs
    assert net.total_params() == numel(module) == params
    assert not net.placeholders


def test_reference_macs_near_published_figures() -> None:
    assert RESNET18_MACS == 1_814_073_344  # 1.81 G (torchvision)
    assert ALEXNET_MACS == 714_188_480  # 0.71 G (torchvision)
    assert round(_mobilenet_v2_macs() / 1e6) == 301  # ~300 M (Sandler et al. 2018)


def test_resnet18_layer_names_follow_module_paths() -> None:
    net = from_torch(meta(zt.resnet18), zt.example_input("resnet18"))
    names = [op.name for op in net.layers]
    assert len(names) == len(set(names))
    for expected in (
        "conv1",
        "layer1.0.conv1",
        "layer1.0.relu",
        "layer1.0.relu_1",
        "layer2.0.downsample.0",
        "layer2.0.downsample.1",
        "layer1.0.add",
        "fc",
    ):
        assert expected in names
    assert isinstance(net.layer("layer2.0.downsample.0"), Conv2d)
    assert net.layer("layer2.0.downsample.0").kernel == (1, 1)


def test_example_input_shapes_and_unknown_name() -> None:
    assert tuple(zt.example_input("alexnet", batch=4).shape) == (4, 3, 224, 224)
    tokens = zt.example_input("lstm_lm", batch=2, seq_len=20)
    assert tuple(tokens.shape) == (2, 20) and tokens.dtype == torch.long
    with pytest.raises(AccelscopeError, match="resnet18"):
        zt.example_input("resnet81")


# ---- HuggingFace transformers from configs (random init, no downloads) ----------------------
def test_bert_base_from_config() -> None:
    import transformers

    module = meta(lambda: transformers.BertModel(transformers.BertConfig()))
    net = from_torch(module, torch.zeros(1, 128, dtype=torch.long), name="bert")
    # Per layer (L=128, d=768, ff=3072, 12 heads x 64): Q,K,V,O 4*128*768*768 = 301,989,888;
    # FFN 2*128*768*3072 = 603,979,776; attention 2*12*128*128*64 = 25,165,824.
    # 12 layers + pooler (first token only) 768*768.
    per_layer = 4 * 128 * 768 * 768 + 2 * 128 * 768 * 3072 + 2 * 12 * 128 * 128 * 64
    assert net.total_macs() == 12 * per_layer + 768 * 768 == 11_174_215_680
    assert net.total_params() == numel(module) == 109_482_240
    assert sum(isinstance(op, Attention) for op in net.layers) == 12
    assert net.layer("encoder.layer.0.attention.self.query").rows == 128
    assert (net.batch, net.seq_len, net.family) == (1, 128, "transformer")


def test_gpt2_lm_head_from_config_ties_lm_head() -> None:
    import transformers

    module = meta(lambda: transformers.GPT2LMHeadModel(transformers.GPT2Config()))
    net = from_torch(module, torch.zeros(1, 512, dtype=torch.long), name="gpt2")
    # Per layer (T=512, d=768): c_attn 512*768*2304, c_proj 512*768*768, MLP 2*512*768*3072,
    # attention 2*12*512*512*64; 12 layers + lm_head 512*768*50257.
    per_layer = 512 * 768 * 2304 + 512 * 768 * 768 + 2 * 512 * 768 * 3072 + 2 * 12 * 512 * 512 * 64
    assert net.total_macs() == 12 * per_layer + 512 * 768 * 50257 == 68_080_238_592
    # 124,439,808 distinct parameters: lm_head shares wte's 38,597,376 weights.
    assert net.total_params() == numel(module) == 124_439_808
    head = net.layer("lm_head")
    assert isinstance(head, Linear) and head.params() == 0 and head.out_features == 50257


def test_gpt2_eager_attention_becomes_matmuls() -> None:
    import transformers

    config = transformers.GPT2Config(n_layer=1, n_embd=64, n_head=4, attn_implementation="eager")
    module = meta(lambda: transformers.GPT2LMHeadModel(config))
    net = from_torch(module, torch.zeros(1, 32, dtype=torch.long))
    matmuls = [op for op in net.layers if isinstance(op, MatMul)]
    assert [(m.batch, m.m, m.k, m.n) for m in matmuls] == [(4, 32, 16, 32), (4, 32, 32, 16)]
    assert any(isinstance(op, Softmax) and op.length == 32 for op in net.layers)
    assert net.total_params() == numel(module)


# ---- meta device, errors ---------------------------------------------------------------------
def test_export_runs_on_meta_and_leaves_module_untouched(monkeypatch) -> None:
    module = SmallCNN().train()
    before = {k: (v.device, v.data_ptr(), v.clone()) for k, v in module.state_dict().items()}
    seen = {}
    real_export = torch.export.export

    def spy(mod, args, *rest, **kwargs):
        seen["devices"] = {t.device.type for t in list(mod.parameters()) + list(mod.buffers())}
        seen["inputs"] = {a.device.type for a in args}
        seen["training"] = mod.training
        return real_export(mod, args, *rest, **kwargs)

    monkeypatch.setattr(torch.export, "export", spy)
    from_torch(module, torch.zeros(2, 3, 32, 32))
    assert seen == {"devices": {"meta"}, "inputs": {"meta"}, "training": False}
    assert module.training
    for key, value in module.state_dict().items():
        device, ptr, copy = before[key]
        assert value.device == device and value.data_ptr() == ptr and torch.equal(value, copy)


def test_huge_meta_module_needs_no_weight_memory() -> None:
    # 2^17 x 2^17 float32 weights would take 64 GiB if materialized.
    module = meta(lambda: nn.Linear(1 << 17, 1 << 17))
    net = from_torch(module, (1, 1 << 17))
    assert net.total_params() == (1 << 34) + (1 << 17)


class CumProd(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(4, 4)

    def forward(self, x):
        return self.fc(torch.cumprod(x, dim=-1))


def test_unsupported_operator_error_names_op_and_node() -> None:
    with pytest.raises(UnsupportedOperatorError, match=r"'cumprod' at node 'cumprod'"):
        from_torch(CumProd(), torch.zeros(2, 4))


def test_unsupported_operator_placeholder_with_warning() -> None:
    with pytest.warns(UserWarning, match="cumprod"):
        net = from_torch(CumProd(), torch.zeros(2, 4), allow_unsupported=True)
    (placeholder,) = net.placeholders
    assert isinstance(placeholder, Unsupported) and placeholder.op_type == "cumprod"
    assert net.layer("fc").inputs == (placeholder.name,)
    assert net.total_macs() == 2 * 4 * 4


class DataDependent(nn.Module):
    def forward(self, x):
        if x.sum() > 0:
            return x * 2
        return x


def test_export_failure_is_one_clear_error() -> None:
    with pytest.raises(AccelscopeError, match="torch.export could not trace") as info:
        from_torch(DataDependent(), torch.zeros(3))
    assert "\n" not in str(info.value)
    with pytest.raises(AccelscopeError, match="torch.export could not trace"):
        from_torch(nn.Linear(4, 5), torch.zeros(2, 3))  # wrong input width


def test_bad_arguments() -> None:
    with pytest.raises(AccelscopeError, match="torch.nn.Module"):
        from_torch("not a module", torch.zeros(1))
    with pytest.raises(AccelscopeError, match="example_inputs"):
        from_torch(nn.Linear(2, 2), 3.5)


def test_keyword_inputs() -> None:
    class TwoInputs(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc = nn.Linear(8, 4)

        def forward(self, x, scale=None):
            return self.fc(x) * scale

    net = from_torch(TwoInputs(), {"x": torch.zeros(3, 8), "scale": torch.zeros(3, 4)})
    mul = next(op for op in net.layers if isinstance(op, Elementwise))
    assert mul.function == "mul" and mul.num_inputs == 2 and mul.elements == 12
    assert net.total_macs() == 3 * 8 * 4


def test_missing_torch_is_reported(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "torch", None)
    with pytest.raises(AccelscopeError, match=r"accelscope\[torch\]"):
        from_torch(object(), None)


def test_no_warnings_for_clean_import() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        net = from_torch(meta(zt.alexnet), zt.example_input("alexnet"))
    assert isinstance(net.layer("avgpool"), Pool2d)  # 6x6 -> 6x6 adaptive pool: 1x1 windows
    assert net.layer("avgpool").kernel == (1, 1)


def test_transposed_conv_and_nearest_upsample() -> None:
    module = nn.Sequential(nn.ConvTranspose2d(4, 6, 3, stride=2), nn.Upsample(scale_factor=2))
    net = from_torch(module, torch.zeros(2, 4, 8, 8))
    conv, bias = net.layer("0"), net.layer("0.bias")
    # Lowered like the ONNX importer: 1x1 conv to C_out*kH*kW = 54 channels, then col2im;
    # MACs = 2*8*8 pixels * 4 * 54 = 27,648. Bias add over the 2x6x17x17 output.
    assert isinstance(conv, Conv2d) and conv.out_channels == 54 and conv.kernel == (1, 1)
    assert net.total_macs() == 27_648
    assert isinstance(bias, Elementwise) and bias.elements == 2 * 6 * 17 * 17
    assert net.total_params() == numel(module) == 4 * 6 * 9 + 6
    resize = [op for op in net.layers if isinstance(op, ShapeOp) and op.function == "resize"]
    assert len(resize) == 1 and resize[0].elements == 2 * 6 * 34 * 34


def test_multihead_attention_chunked_weights() -> None:
    module = nn.MultiheadAttention(32, 4, batch_first=True)
    x = torch.zeros(2, 10, 32)
    net = from_torch(module, (x, x.clone(), x.clone()))
    linears = [op for op in net.layers if isinstance(op, Linear)]
    # q, k, v projections use chunks of in_proj_weight (still weights), then out_proj.
    assert [(op.rows, op.in_features, op.out_features) for op in linears] == [(20, 32, 32)] * 4
    matmuls = [op for op in net.layers if isinstance(op, MatMul)]
    assert [(m.batch, m.m, m.k, m.n) for m in matmuls] == [(8, 10, 8, 10), (8, 10, 10, 8)]
    # 4 projections 20*32*32 = 20,480 each; two products 8*10*8*10 = 6,400 each.
    assert net.total_macs() == 4 * 20_480 + 2 * 6_400
    assert net.total_params() == numel(module) == 4 * 32 * 32 + 4 * 32


def test_llama_with_no_grad_rotary_embedding_imports():
    # Llama's rotary embedding runs under torch.no_grad() inside forward; exporting without
    # autograd keeps it from becoming a `wrap_with_set_grad_enabled` sub-graph.
    import transformers

    cfg = transformers.LlamaConfig(
        hidden_size=256,
        intermediate_size=688,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        vocab_size=1000,
    )
    model = transformers.LlamaModel(cfg)
    net = from_torch(model, (torch.zeros(1, 64, dtype=torch.long),), name="llama")
    # Per layer, 64 tokens: q and o 256x256, k and v 256x128 (2 KV heads of 64), SwiGLU
    # 3 x 256x688, attention 2 x 64x64x256 -> 64*(2*65,536 + 2*32,768 + 528,384) + 2,097,152
    # = 48,496,640; two layers = 96,993,280.
    assert net.total_macs() == 2 * (
        64 * (2 * 65_536 + 2 * 32_768 + 3 * 256 * 688) + 2 * 64 * 64 * 256
    )
    assert net.total_params() == sum(p.numel() for p in model.parameters())


class _EverydayOps(nn.Module):
    """Operators issue 14 found turning real models away from from_torch."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(4, 16, 3, padding=1)

    def forward(self, x):
        y = nn.functional.pixel_shuffle(self.conv(x), 2)  # 16 ch -> 4 ch at 2x size
        y = nn.functional.interpolate(y, scale_factor=2, mode="bilinear")
        z = nn.functional.interpolate(y, size=(20, 20), mode="bicubic")
        s = torch.sign(z) + torch.ceil(z)
        idx = s.flatten(1).argmax(dim=1)
        r = torch.repeat_interleave(z, 2, dim=1)
        return r.mT, idx


def test_everyday_operators_import_and_count() -> None:
    from torch.utils.flop_counter import FlopCounterMode

    module = _EverydayOps().eval()
    x = torch.zeros(1, 4, 5, 5)
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        module(x)
    net = from_torch(module, x)
    assert net.total_macs() == counter.get_total_flops() // 2 == 25 * 16 * 36
    by_function = {op.function: op for op in net.layers if isinstance(op, Elementwise)}
    # bilinear: 4 ch x 20 x 20 outputs of 9 ops; bicubic: 4 x 20 x 20 of 35 ops.
    assert by_function["interp_bilinear"].other_ops() == 4 * 20 * 20 * 9
    assert by_function["interp_bicubic"].other_ops() == 4 * 20 * 20 * 35
    assert not net.placeholders


class _PlainOps(nn.Module):
    """Plain-torch operators of issue 14: einsum contractions, 1-D pooling, weight norm."""

    def __init__(self) -> None:
        super().__init__()
        self.w = nn.Parameter(torch.zeros(6, 8))
        self.conv = nn.utils.parametrizations.weight_norm(nn.Conv1d(8, 8, 3, padding=1))

    def forward(self, x, y):
        a = torch.einsum("bik,bkj->bij", x, y)  # batched GEMM 2 x (5x6 @ 6x7)
        b = torch.einsum("bik,kn->bin", x, self.w)  # a Linear on a parameter
        c = nn.functional.avg_pool1d(self.conv(b.transpose(1, 2)), 2)
        return a.sum() + c.sum()


def test_einsum_pool1d_and_weight_norm_lower_to_the_right_work() -> None:
    from torch.utils.flop_counter import FlopCounterMode

    module = _PlainOps().eval()
    x, y = torch.zeros(2, 5, 6), torch.zeros(2, 6, 7)
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        module(x, y)
    net = from_torch(module, (x, y))
    # einsums 2*5*6*7 = 420 and 10*6*8 = 480; conv1d 2 batch * 5 positions * 8 * 8*3 = 1,920
    assert net.total_macs() == counter.get_total_flops() // 2 == 420 + 480 + 1_920
    kinds = {type(op).__name__ for op in net.layers}
    assert {"MatMul", "Linear", "Pool2d"} <= kinds and not net.placeholders
    (norm,) = [op for op in net.layers if getattr(op, "function", "") == "weight_norm"]
    assert norm.other_ops() == 8 * 8 * 3 * 3  # 3 ops per weight element


def test_einsum_that_is_not_a_gemm_names_the_equation() -> None:
    from accelscope.workload.einsum import EinsumError, lower_einsum

    assert lower_einsum("bhqd,bhkd->bhqk", [(2, 4, 8, 16), (2, 4, 9, 16)]).__dict__ == {
        "batch": 8, "m": 8, "k": 16, "n": 9
    }  # fmt: skip
    for equation, shapes in [
        ("ii->i", [(3, 3)]),
        ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 5)]),
        ("ij,jk->i", [(2, 3), (3, 4)]),
        ("...ij,jk->...ik", [(2, 3), (3, 4)]),
    ]:
        with pytest.raises(EinsumError, match="einsum '"):
            lower_einsum(equation, shapes)


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
def test_vanilla_rnn_imports_by_both_paths(nonlinearity, tmp_path) -> None:
    import warnings

    from torch.utils.flop_counter import FlopCounterMode

    from accelscope.workload import RNN, from_onnx

    module = nn.RNN(8, 16, num_layers=2, nonlinearity=nonlinearity, batch_first=True).eval()
    x = torch.zeros(3, 5, 8)
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        module(x)
    # Per layer: input projection 15 x in x 16 and 5 sequential steps of 3 x 16 x 16.
    macs = 15 * 8 * 16 + 5 * 3 * 16 * 16 + 15 * 16 * 16 + 5 * 3 * 16 * 16
    assert counter.get_total_flops() // 2 == macs
    params = sum(p.numel() for p in module.parameters())
    net = from_torch(module, x)
    (rnn,) = [op for op in net.layers if isinstance(op, RNN)]
    assert rnn.nonlinearity == nonlinearity and rnn.num_layers == 2 and rnn.seq_len == 5
    assert net.total_macs() == macs and net.total_params() == params
    assert net.family == "rnn"
    path = tmp_path / "rnn.onnx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(module, (x,), str(path), dynamo=False)
    onnx_net = from_onnx(path)  # one ONNX RNN node per layer
    assert [op.nonlinearity for op in onnx_net.layers if isinstance(op, RNN)] == [nonlinearity] * 2
    assert onnx_net.total_macs() == macs and onnx_net.total_params() == params


def test_lstm_with_projection_counts_like_pytorch() -> None:
    from torch.utils.flop_counter import FlopCounterMode

    from accelscope.targets.asic.arch import load_arch
    from accelscope.targets.asic.cost import evaluate
    from accelscope.workload import LSTM

    module = nn.LSTM(8, 32, num_layers=2, proj_size=12, bidirectional=True, batch_first=True)
    module = module.eval()
    x = torch.zeros(3, 5, 8)
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        module(x)
    net = from_torch(module, x)
    (lstm,) = [op for op in net.layers if isinstance(op, LSTM)]
    assert lstm.proj_size == 12 and lstm.output_elements() == 3 * 5 * 12 * 2
    # Per direction of layer 0: 15x8x128 input, 5 steps of 3x12x128 recurrent and 3x32x12
    # projection; layer 1 reads 2 x 12 = 24 features.
    assert net.total_macs() == counter.get_total_flops() // 2 == 238_080
    assert net.total_params() == sum(p.numel() for p in module.parameters()) == 16_896
    assert evaluate(net, load_arch("edge")).latency_s > 0
    with pytest.raises(ValueError, match="proj_size 40 must be smaller"):
        LSTM(name="x", seq_len=2, input_size=4, hidden_size=32, proj_size=40)


def test_video_network_with_3d_convolutions_and_global_3d_pooling() -> None:
    from torch.utils.flop_counter import FlopCounterMode

    module = nn.Sequential(
        nn.Conv3d(3, 8, 3, padding=1),
        nn.ReLU(),
        nn.Conv3d(8, 16, 3, stride=2, padding=1),
        nn.AdaptiveAvgPool3d(1),
        nn.Flatten(),
        nn.Linear(16, 5),
    ).eval()
    x = torch.zeros(2, 3, 4, 8, 8)
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        module(x)
    net = from_torch(module, x)
    assert net.total_macs() == counter.get_total_flops() // 2
    assert net.total_params() == sum(p.numel() for p in module.parameters())
    (pool,) = [op for op in net.layers if isinstance(op, Pool2d)]
    # 16 channels of 2 x 4 x 4 positions averaged per sample.
    assert pool.global_pool and (pool.in_h, pool.in_w) == (2, 16) and pool.channels == 16
    with pytest.raises(UnsupportedOperatorError, match="other than 1x1x1"):
        from_torch(nn.AdaptiveAvgPool3d(2), torch.zeros(1, 3, 4, 4, 4))


@pytest.mark.parametrize(
    ("pool", "kwargs", "kernel"),
    [
        (nn.MaxPool3d, {"kernel_size": 2}, (2, 2, 2)),
        (nn.AvgPool3d, {"kernel_size": 3, "stride": 2, "padding": 1}, (3, 3, 3)),
        (nn.MaxPool3d, {"kernel_size": (1, 3, 3), "stride": (1, 2, 2)}, (1, 3, 3)),
    ],
)
def test_3d_pooling_is_separable_and_imports_by_both_paths(pool, kwargs, kernel, tmp_path):
    import warnings

    from accelscope.workload import from_onnx

    module = nn.Sequential(nn.Conv3d(2, 4, 1), pool(**kwargs)).eval()
    x = torch.zeros(1, 2, 6, 8, 8)
    out = module(x)
    net = from_torch(module, x)
    plane, depth = [op for op in net.layers if isinstance(op, Pool2d)]
    # The depth stage emits exactly the module's output; the plane stage covers every
    # input depth slice over (H, W).
    assert depth.output_elements() == out.numel()
    assert plane.batch == 6 and (plane.out_h, plane.out_w) == tuple(out.shape[-2:])
    kd, kh, kw = (
        pool(**kwargs).kernel_size
        if isinstance(pool(**kwargs).kernel_size, tuple)
        else (pool(**kwargs).kernel_size,) * 3
    )
    assert depth.kernel == (1, kd) and plane.kernel == (kh, kw)
    path = tmp_path / "pool3d.onnx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(module, (x,), str(path), dynamo=False)
    onnx_net = from_onnx(path)
    assert onnx_net.total_other_ops() == net.total_other_ops()
    assert onnx_net.total_macs() == net.total_macs()
