"""Reshaped PyTorch modules: they run, and their import has exactly the planned shapes."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
nn = torch.nn

from accelscope.codesign import CodesignError, find_knobs, make_plan, sweep  # noqa: E402
from accelscope.codesign.resize_torch import resize_module  # noqa: E402
from accelscope.workload import from_torch  # noqa: E402
from tests.test_codesign import small_arch  # noqa: E402


class CharLM(nn.Module):
    def __init__(self, vocab=40, emb=24, h1=50, h2=36):
        super().__init__()
        self.emb = nn.Embedding(vocab, emb)
        self.rnn1 = nn.LSTM(emb, h1, batch_first=True)
        self.rnn2 = nn.GRU(h1, h2, batch_first=True)
        self.dec = nn.Linear(h2, vocab)

    def forward(self, x):
        y, _ = self.rnn1(self.emb(x))
        y, _ = self.rnn2(y)
        return self.dec(y)


class SmallCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(3, 12, 3, padding=1)
        self.b1 = nn.BatchNorm2d(12)
        self.c2 = nn.Conv2d(12, 20, 3, stride=2)
        self.fc1 = nn.Linear(20 * 7 * 7, 30)
        self.fc2 = nn.Linear(30, 10)

    def forward(self, x):
        x = torch.relu(self.b1(self.c1(x)))
        x = torch.relu(self.c2(x))
        return self.fc2(torch.relu(self.fc1(torch.flatten(x, 1))))


class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        layer = nn.TransformerEncoderLayer(64, 4, 96, dropout=0.0, batch_first=True)
        self.enc = nn.TransformerEncoder(layer, 2, enable_nested_tensor=False)
        self.head = nn.Linear(64, 5)

    def forward(self, x):
        return self.head(self.enc(x))


def _shapes(net, names):
    return {n: net.layer(n).model_dump(exclude={"name", "inputs", "param_count"}) for n in names}


def test_resized_lstm_gru_lm_runs_and_imports_to_the_plan():
    torch.manual_seed(0)
    model = CharLM()
    x = torch.zeros(2, 12, dtype=torch.long)
    new, planned = resize_module(model, (x,), {"rnn1": 64, "rnn2": 32})
    assert new(x).shape == (2, 12, 40)
    assert (new.rnn1.hidden_size, new.rnn2.input_size, new.rnn2.hidden_size) == (64, 64, 32)
    assert new.dec.in_features == 32
    imported = from_torch(new, (x,))
    names = ["rnn1", "rnn2", "dec"]
    assert _shapes(imported, names) == _shapes(planned, names)
    assert imported.total_params() == sum(p.numel() for p in new.parameters())
    # The original is untouched and the overlapping weights were copied gate by gate.
    assert model.rnn1.hidden_size == 50
    h = 50
    old_w = model.rnn1.weight_hh_l0.view(4, h, h)
    new_w = new.rnn1.weight_hh_l0.view(4, 64, 64)
    assert torch.equal(new_w[:, :h, :h], old_w)


def test_resized_cnn_matches_the_ir_plan():
    model = SmallCNN().eval()
    x = torch.randn(1, 3, 16, 16)
    net = from_torch(model, (x,))
    arch = small_arch(8, weight_kib=8, input_kib=8, output_kib=8, dram_gbps=8)
    result = sweep(net, arch, multiple=4)
    assert {c.name for c in result.curves} == {"c1", "c2", "fc1"}
    plan = make_plan(net, arch, result, "min-latency", min_params_fraction=0.7)
    assert plan.changes  # the plan does change something on this small array
    new, planned = resize_module(model, (x,), plan.widths, network=net)
    assert new(x).shape == (1, 10)
    imported = from_torch(new, (x,))
    names = [op.name for op in net.layers if op.kind != "shape"]
    assert _shapes(imported, names) == _shapes(plan.network, names)
    assert imported.total_params() == plan.params


def test_transformer_ffn_width_and_heads():
    model = Encoder().eval()
    x = torch.randn(1, 10, 64)
    net = from_torch(model, (x,))
    knobs = {k.name for k in find_knobs(net)[0]}
    assert {"enc.layers.0.linear1", "enc.layers.0.self_attn.attention"} <= knobs
    widths = {"enc.layers.0.linear1": 128, "enc.layers.1.self_attn.attention": 8}
    new, planned = resize_module(model, (x,), widths, network=net)
    assert new(x).shape == (1, 10, 5)
    assert new.enc.layers[0].linear1.out_features == 128
    assert new.enc.layers[0].linear2.in_features == 128
    assert new.enc.layers[1].self_attn.num_heads == 8
    imported = from_torch(new, (x,))
    att = imported.layer("enc.layers.1.self_attn.attention")
    assert (att.heads, att.head_dim) == (8, 8)
    assert imported.layer("enc.layers.0.linear2").in_features == 128


def test_unresizable_layer_is_a_one_sentence_error():
    model = SmallCNN()
    with pytest.raises(CodesignError, match="output size"):
        resize_module(model, (torch.randn(1, 3, 16, 16),), {"fc2": 12})


def test_resnet18_group_plan_runs_and_imports_to_the_plan():
    """Plain-torch ResNet-18 (BasicBlocks, 1x1 downsample): a planned residual-group
    change rebuilds every member conv, its BatchNorms, the next convs' inputs and the
    classifier, and the new module imports to exactly the planned IR."""
    from accelscope.workload.zoo_torch import resnet18

    torch.manual_seed(0)
    model = resnet18(num_classes=10).eval()
    x = torch.randn(1, 3, 64, 64)
    net = from_torch(model, (x,))
    arch = small_arch(16, weight_kib=16, input_kib=64, output_kib=64, dram_gbps=16)
    result = sweep(net, arch, ["layer2", "layer4"], multiple=16)
    assert [c.knob.group for c in result.curves] == ["layer2", "layer4"]
    plan = make_plan(net, arch, result, "min-latency", min_params_fraction=0.7)
    moved = {result.curve(n).knob.group: w for n, (_, w) in plan.changes.items()}
    assert moved and all(w % 16 == 0 for w in moved.values())
    new, planned = resize_module(model, (x,), plan.widths, network=net)
    assert new(x).shape == (1, 10)
    imported = from_torch(new, (x,))
    names = [op.name for op in net.layers if op.kind != "shape"]
    assert _shapes(imported, names) == _shapes(plan.network, names)
    assert imported.total_params() == plan.params == sum(p.numel() for p in new.parameters())
    w2 = plan.widths[result.curves[0].name]
    assert new.layer2[0].conv2.out_channels == new.layer2[0].downsample[0].out_channels == w2
    assert new.layer2[1].conv2.out_channels == new.layer2[1].bn2.num_features == w2
    assert new.layer3[0].conv1.in_channels == new.layer3[0].downsample[0].in_channels == w2
    assert new.fc.in_features == plan.widths[result.curves[1].name]
    assert model.layer2[0].conv2.out_channels == 128  # the original is untouched


class GroupNormResidual(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, padding=1)
        self.gn = nn.GroupNorm(2, 8)
        self.conv = nn.Conv2d(8, 8, 3, padding=1)
        self.head = nn.Linear(8, 4)

    def forward(self, x):
        x = self.gn(self.stem(x))
        x = x + self.conv(x)
        return self.head(x.mean((2, 3)))


def test_group_with_an_unresizable_module_names_it():
    model = GroupNormResidual()
    x = torch.randn(1, 3, 8, 8)
    net = from_torch(model, (x,))
    (group,) = [k for k in find_knobs(net)[0] if k.is_group]
    # 'conv' reads and writes the tied tensor; the join is the layer 'add', so the label
    # gets a " group" suffix.
    assert group.members == ("stem", "conv") and group.group == "add group"
    with pytest.raises(CodesignError, match=r"layer 'gn' \(norm\) is a GroupNorm module"):
        resize_module(model, (x,), {group.group: 12}, network=net)
