"""Plain-PyTorch reference modules mirroring networks of the built-in zoo.

These modules rebuild the published architectures with ``torch.nn`` only (no torchvision or
timm), with the same module names as torchvision so imported layer names match
(``layer1.0.conv1``, ``features.3``, ``classifier.1``). They serve as cross-checks of the
importers against the zoo and as the starting point of co-design resizing.

Sources (structure and parameter counts):

* ResNet-18: He et al., "Deep Residual Learning for Image Recognition", CVPR 2016, Table 1;
  torchvision ``resnet18`` (11,689,512 parameters, 1.81 GMAC at 224x224).
* AlexNet: torchvision ``alexnet`` (the one-GPU variant of Krizhevsky et al. 2012 from
  "One weird trick", Krizhevsky 2014; 61,100,840 parameters, 0.71 GMAC).
* MobileNetV2: Sandler et al., "MobileNetV2: Inverted Residuals and Linear Bottlenecks",
  CVPR 2018, Table 2; torchvision ``mobilenet_v2`` (3,504,872 parameters, 0.30 GMAC).
* LSTM language model: Zaremba et al., "Recurrent Neural Network Regularization", 2014,
  medium model (2 layers of 650 units, 10k-word Penn Treebank vocabulary, 35 steps).

Build them under ``with torch.device("meta"):`` to avoid allocating weights.
"""

from __future__ import annotations

from collections.abc import Callable

from accelscope.errors import AccelscopeError, UnknownNameError, suggest

try:
    import torch
    from torch import nn
except ImportError:  # pragma: no cover - exercised only without torch
    raise AccelscopeError(
        "the PyTorch reference modules need PyTorch; "
        "install it with 'pip install accelscope[torch]'"
    ) from None


# ---- ResNet-18 ----------------------------------------------------------------------------
class BasicBlock(nn.Module):
    """Two 3x3 convolutions with batch norm and an identity (or 1x1 projection) shortcut."""

    def __init__(self, inplanes: int, planes: int, stride: int = 1) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample: nn.Module | None = None
        if stride != 1 or inplanes != planes:
            self.downsample = nn.Sequential(
                nn.Conv2d(inplanes, planes, 1, stride, bias=False), nn.BatchNorm2d(planes)
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        out = out + identity
        return self.relu(out)


class ResNet18(nn.Module):
    """ResNet-18 with torchvision's structure and module names."""

    def __init__(self, num_classes: int = 1000, widths: tuple[int, ...] = (64, 128, 256, 512)):
        super().__init__()
        self.conv1 = nn.Conv2d(3, widths[0], 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(widths[0])
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        inplanes = widths[0]
        for i, planes in enumerate(widths):
            stride = 1 if i == 0 else 2
            blocks = nn.Sequential(BasicBlock(inplanes, planes, stride), BasicBlock(planes, planes))
            setattr(self, f"layer{i + 1}", blocks)
            inplanes = planes
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(inplanes, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        x = torch.flatten(self.avgpool(x), 1)
        return self.fc(x)


def resnet18(num_classes: int = 1000) -> nn.Module:
    """ResNet-18 (torchvision structure); input ``(batch, 3, 224, 224)``."""
    return ResNet18(num_classes)


# ---- AlexNet ------------------------------------------------------------------------------
class AlexNet(nn.Module):
    """AlexNet, torchvision variant (64, 192, 384, 256, 256 channels)."""

    def __init__(self, num_classes: int = 1000, dropout: float = 0.5) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 64, 11, 4, 2),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(3, 2),
            nn.Conv2d(64, 192, 5, padding=2),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(3, 2),
            nn.Conv2d(192, 384, 3, padding=1),
            nn.ReLU(inplace=True),
            nn.Conv2d(384, 256, 3, padding=1),
            nn.ReLU(inplace=True),
            nn.Conv2d(256, 256, 3, padding=1),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(3, 2),
        )
        self.avgpool = nn.AdaptiveAvgPool2d((6, 6))
        self.classifier = nn.Sequential(
            nn.Dropout(dropout),
            nn.Linear(256 * 6 * 6, 4096),
            nn.ReLU(inplace=True),
            nn.Dropout(dropout),
            nn.Linear(4096, 4096),
            nn.ReLU(inplace=True),
            nn.Linear(4096, num_classes),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = torch.flatten(self.avgpool(self.features(x)), 1)
        return self.classifier(x)


def alexnet(num_classes: int = 1000) -> nn.Module:
    """AlexNet (torchvision structure); input ``(batch, 3, 224, 224)``."""
    return AlexNet(num_classes)


# ---- MobileNetV2 --------------------------------------------------------------------------
def _conv_bn_relu6(inp: int, oup: int, kernel: int, stride: int, groups: int = 1) -> nn.Module:
    """torchvision ``Conv2dNormActivation``: conv (no bias), batch norm, ReLU6."""
    return nn.Sequential(
        nn.Conv2d(inp, oup, kernel, stride, (kernel - 1) // 2, groups=groups, bias=False),
        nn.BatchNorm2d(oup),
        nn.ReLU6(inplace=True),
    )


class InvertedResidual(nn.Module):
    """Expand 1x1 (ReLU6), depthwise 3x3 (ReLU6), project 1x1 (linear); residual if shapes match."""

    def __init__(self, inp: int, oup: int, stride: int, expand_ratio: int) -> None:
        super().__init__()
        hidden = inp * expand_ratio
        self.use_res_connect = stride == 1 and inp == oup
        layers: list[nn.Module] = []
        if expand_ratio != 1:
            layers.append(_conv_bn_relu6(inp, hidden, 1, 1))
        layers += [
            _conv_bn_relu6(hidden, hidden, 3, stride, groups=hidden),
            nn.Conv2d(hidden, oup, 1, 1, 0, bias=False),
            nn.BatchNorm2d(oup),
        ]
        self.conv = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.use_res_connect:
            return x + self.conv(x)
        return self.conv(x)


#: (expansion t, output channels c, repeats n, first stride s), Sandler et al. 2018, Table 2.
MOBILENET_V2_SETTING = [
    (1, 16, 1, 1),
    (6, 24, 2, 2),
    (6, 32, 3, 2),
    (6, 64, 4, 2),
    (6, 96, 3, 1),
    (6, 160, 3, 2),
    (6, 320, 1, 1),
]


class MobileNetV2(nn.Module):
    """MobileNetV2 at width 1.0 with torchvision's structure and module names."""

    def __init__(self, num_classes: int = 1000, dropout: float = 0.2) -> None:
        super().__init__()
        inp = 32
        features: list[nn.Module] = [_conv_bn_relu6(3, inp, 3, 2)]
        for t, c, n, s in MOBILENET_V2_SETTING:
            for i in range(n):
                features.append(InvertedResidual(inp, c, s if i == 0 else 1, t))
                inp = c
        features.append(_conv_bn_relu6(inp, 1280, 1, 1))
        self.features = nn.Sequential(*features)
        self.classifier = nn.Sequential(nn.Dropout(dropout), nn.Linear(1280, num_classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.features(x)
        x = nn.functional.adaptive_avg_pool2d(x, (1, 1))
        return self.classifier(torch.flatten(x, 1))


def mobilenet_v2(num_classes: int = 1000) -> nn.Module:
    """MobileNetV2 1.0 (torchvision structure); input ``(batch, 3, 224, 224)``."""
    return MobileNetV2(num_classes)


# ---- LSTM language model ------------------------------------------------------------------
class LSTMLanguageModel(nn.Module):
    """Embedding -> dropout -> multi-layer LSTM -> dropout -> linear decoder -> log-softmax.

    Structure of ``RNNModel`` in the PyTorch examples ``word_language_model`` (untied
    weights), which returns log-probabilities over the vocabulary.
    """

    def __init__(self, vocab: int, hidden: int, layers: int, dropout: float = 0.5) -> None:
        super().__init__()
        self.encoder = nn.Embedding(vocab, hidden)
        self.drop = nn.Dropout(dropout)
        self.rnn = nn.LSTM(hidden, hidden, layers, dropout=dropout, batch_first=True)
        self.decoder = nn.Linear(hidden, vocab)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        out, _ = self.rnn(self.drop(self.encoder(tokens)))
        return torch.log_softmax(self.decoder(self.drop(out)), dim=-1)


def lstm_lm(vocab: int = 10000, hidden: int = 650, layers: int = 2) -> nn.Module:
    """Zaremba et al. (2014) medium LSTM LM; input token ids ``(batch, seq_len)`` (int64)."""
    return LSTMLanguageModel(vocab, hidden, layers)


# ---- registry -----------------------------------------------------------------------------
#: Reference module builders keyed by zoo name.
REFERENCE_MODULES: dict[str, Callable[[], nn.Module]] = {
    "resnet18": resnet18,
    "alexnet": alexnet,
    "mobilenetv2": mobilenet_v2,
    "lstm-lm": lstm_lm,
}

_ALIASES = {"mobilenet_v2": "mobilenetv2", "lstm_lm": "lstm-lm"}


def example_input(
    name: str, batch: int = 1, seq_len: int = 35, *, device: str = "cpu"
) -> torch.Tensor:
    """An example input for reference module *name*: a zero tensor on *device*.

    Images are ``(batch, 3, 224, 224)`` float32; token ids are ``(batch, seq_len)`` int64.
    """
    key = _ALIASES.get(name, name)
    if key not in REFERENCE_MODULES:
        raise UnknownNameError(
            f"no reference module '{name}'{suggest(name, list(REFERENCE_MODULES))}"
        )
    if key == "lstm-lm":
        return torch.zeros(batch, seq_len, dtype=torch.long, device=device)
    return torch.zeros(batch, 3, 224, 224, device=device)
