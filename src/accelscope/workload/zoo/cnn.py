"""Image-classification CNNs, layer for layer as torchvision builds them (224x224 RGB).

Layer names are torchvision module paths; functional ops get the name of the module
they follow (``conv1.relu``) and repeated calls of one module get ``_1``, ``_2``
suffixes as in a ``torch.fx`` trace. Dropout is the identity in inference and omitted.
"""

from __future__ import annotations

from accelscope.workload.network import Network
from accelscope.workload.zoo._builder import FMap, NetBuilder
from accelscope.workload.zoo._registry import ZooEntry, register

_TV = "torchvision.models"
IMAGE = FMap("input", 3, 224, 224)


# ---- AlexNet ------------------------------------------------------------------------------
_ALEXNET = ZooEntry(
    name="alexnet",
    family="cnn",
    description="AlexNet, torchvision variant (64-192-384-256-256 channels), 224x224",
    default_batch=1,
    default_seq_len=None,
    source="Krizhevsky 2014 'One weird trick' (arXiv:1404.5997); "
    f"{_TV}.alexnet (0.71 GFLOPS, 61.1M params)",
)


@register(_ALEXNET)
def alexnet(batch: int, seq_len: int | None = None) -> Network:
    b = NetBuilder(batch)
    x = IMAGE
    idx = 0
    for out_c, k, s, p, pool in [
        (64, 11, 4, 2, True),
        (192, 5, 1, 2, True),
        (384, 3, 1, 1, False),
        (256, 3, 1, 1, False),
        (256, 3, 1, 1, True),
    ]:
        x = b.conv(f"features.{idx}", x, out_c, k, s, p)
        x = b.act(f"features.{idx + 1}", x, "relu")
        idx += 2
        if pool:
            x = b.pool(f"features.{idx}", x, "max", 3, 2)
            idx += 1
    # AdaptiveAvgPool2d((6, 6)) on a 6x6 map: a 1x1 window, kept because it executes.
    x = b.pool("avgpool", x, "avg", 1, 1)
    v = b.flatten("flatten", x)
    v = b.act("classifier.2", b.linear("classifier.1", v, 4096), "relu")
    v = b.act("classifier.5", b.linear("classifier.4", v, 4096), "relu")
    b.linear("classifier.6", v, 1000)
    return b.network("alexnet", "cnn", _ALEXNET.source)


# ---- VGG ----------------------------------------------------------------------------------
_VGG_CFG = {
    16: [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"],
    19: [64, 64, "M", 128, 128, "M"] + [256] * 4 + ["M"] + [512] * 4 + ["M"] + [512] * 4 + ["M"],
}


def _vgg(depth: int, batch: int, source: str) -> Network:
    b = NetBuilder(batch)
    x = IMAGE
    idx = 0
    for item in _VGG_CFG[depth]:
        if item == "M":
            x = b.pool(f"features.{idx}", x, "max", 2, 2)
            idx += 1
        else:
            x = b.conv(f"features.{idx}", x, int(item), 3, 1, 1)
            x = b.act(f"features.{idx + 1}", x, "relu")
            idx += 2
    x = b.pool("avgpool", x, "avg", 1, 1)  # AdaptiveAvgPool2d((7, 7)) on 7x7
    v = b.flatten("flatten", x)
    v = b.act("classifier.1", b.linear("classifier.0", v, 4096), "relu")
    v = b.act("classifier.4", b.linear("classifier.3", v, 4096), "relu")
    b.linear("classifier.6", v, 1000)
    return b.network(f"vgg-{depth}", "cnn", source)


_VGG16 = ZooEntry(
    name="vgg-16",
    family="cnn",
    description="VGG-16 (configuration D, no batch norm), 224x224",
    default_batch=1,
    default_seq_len=None,
    source="Simonyan & Zisserman 2015 (arXiv:1409.1556), config D; "
    f"{_TV}.vgg16 (15.47 GFLOPS, 138.36M params)",
)
_VGG19 = ZooEntry(
    name="vgg-19",
    family="cnn",
    description="VGG-19 (configuration E, no batch norm), 224x224",
    default_batch=1,
    default_seq_len=None,
    source="Simonyan & Zisserman 2015 (arXiv:1409.1556), config E; "
    f"{_TV}.vgg19 (19.63 GFLOPS, 143.67M params)",
)


@register(_VGG16)
def vgg16(batch: int, seq_len: int | None = None) -> Network:
    return _vgg(16, batch, _VGG16.source)


@register(_VGG19)
def vgg19(batch: int, seq_len: int | None = None) -> Network:
    return _vgg(19, batch, _VGG19.source)


# ---- GoogLeNet ----------------------------------------------------------------------------
def _basic_conv(
    b: NetBuilder, name: str, x: FMap, out_c: int, k: int, s: int = 1, p: int = 0
) -> FMap:
    """torchvision ``BasicConv2d``: conv (no bias) + BN + functional ReLU."""
    x = b.conv(f"{name}.conv", x, out_c, k, s, p, bias=False)
    x = b.bn(f"{name}.bn", x)
    return b.act(f"{name}.relu", x, "relu")


def _inception(
    b: NetBuilder, name: str, x: FMap, c1: int, c3r: int, c3: int, c5r: int, c5: int, pp: int
) -> FMap:
    br1 = _basic_conv(b, f"{name}.branch1", x, c1, 1)
    br2 = _basic_conv(b, f"{name}.branch2.0", x, c3r, 1)
    br2 = _basic_conv(b, f"{name}.branch2.1", br2, c3, 3, 1, 1)
    br3 = _basic_conv(b, f"{name}.branch3.0", x, c5r, 1)
    # torchvision uses a 3x3 kernel in the "5x5" branch (kept for weight compatibility).
    br3 = _basic_conv(b, f"{name}.branch3.1", br3, c5, 3, 1, 1)
    br4 = b.pool(f"{name}.branch4.0", x, "max", 3, 1, 1, ceil_mode=True)
    br4 = _basic_conv(b, f"{name}.branch4.1", br4, pp, 1)
    return b.concat(f"{name}.cat", [br1, br2, br3, br4])


_GOOGLENET = ZooEntry(
    name="googlenet",
    family="cnn",
    description="GoogLeNet / Inception v1, torchvision variant (pretrained config: no aux "
    "heads, transform_input), 224x224",
    default_batch=1,
    default_seq_len=None,
    source="Szegedy et al. 2015 'Going deeper with convolutions' (arXiv:1409.4842); "
    f"{_TV}.googlenet (1.50 GFLOPS, 6.62M params)",
)


@register(_GOOGLENET)
def googlenet(batch: int, seq_len: int | None = None) -> Network:
    b = NetBuilder(batch)
    # transform_input=True (pretrained weights): per-channel x * a + c, then concat.
    x = b.const_op("transform_input.mul", IMAGE, "mul", "transform_input.scale")
    x = b.const_op("transform_input.add", x, "add", "transform_input.shift")
    x = b.shape("transform_input.cat", x, "concat")
    x = _basic_conv(b, "conv1", x, 64, 7, 2, 3)
    x = b.pool("maxpool1", x, "max", 3, 2, ceil_mode=True)
    x = _basic_conv(b, "conv2", x, 64, 1)
    x = _basic_conv(b, "conv3", x, 192, 3, 1, 1)
    x = b.pool("maxpool2", x, "max", 3, 2, ceil_mode=True)
    x = _inception(b, "inception3a", x, 64, 96, 128, 16, 32, 32)
    x = _inception(b, "inception3b", x, 128, 128, 192, 32, 96, 64)
    x = b.pool("maxpool3", x, "max", 3, 2, ceil_mode=True)
    x = _inception(b, "inception4a", x, 192, 96, 208, 16, 48, 64)
    x = _inception(b, "inception4b", x, 160, 112, 224, 24, 64, 64)
    x = _inception(b, "inception4c", x, 128, 128, 256, 24, 64, 64)
    x = _inception(b, "inception4d", x, 112, 144, 288, 32, 64, 64)
    x = _inception(b, "inception4e", x, 256, 160, 320, 32, 128, 128)
    x = b.pool("maxpool4", x, "max", 2, 2, ceil_mode=True)
    x = _inception(b, "inception5a", x, 256, 160, 320, 32, 128, 128)
    x = _inception(b, "inception5b", x, 384, 192, 384, 48, 128, 128)
    x = b.global_pool("avgpool", x)
    v = b.flatten("flatten", x)
    b.linear("fc", v, 1000)
    return b.network("googlenet", "cnn", _GOOGLENET.source)


# ---- ResNet (v1.5: stride on the 3x3 conv) ------------------------------------------------
def _basic_block(b: NetBuilder, name: str, x: FMap, width: int, stride: int) -> FMap:
    out = b.conv(f"{name}.conv1", x, width, 3, stride, 1, bias=False)
    out = b.act(f"{name}.relu", b.bn(f"{name}.bn1", out), "relu")
    out = b.conv(f"{name}.conv2", out, width, 3, 1, 1, bias=False)
    out = b.bn(f"{name}.bn2", out)
    return _residual(b, name, x, out, width, stride, "relu_1")


def _bottleneck(b: NetBuilder, name: str, x: FMap, width: int, stride: int) -> FMap:
    out = b.conv(f"{name}.conv1", x, width, 1, bias=False)
    out = b.act(f"{name}.relu", b.bn(f"{name}.bn1", out), "relu")
    out = b.conv(f"{name}.conv2", out, width, 3, stride, 1, bias=False)
    out = b.act(f"{name}.relu_1", b.bn(f"{name}.bn2", out), "relu")
    out = b.conv(f"{name}.conv3", out, width * 4, 1, bias=False)
    out = b.bn(f"{name}.bn3", out)
    return _residual(b, name, x, out, width * 4, stride, "relu_2")


def _residual(
    b: NetBuilder, name: str, x: FMap, out: FMap, out_c: int, stride: int, relu: str
) -> FMap:
    identity = x
    if stride != 1 or x.c != out_c:
        identity = b.conv(f"{name}.downsample.0", x, out_c, 1, stride, bias=False)
        identity = b.bn(f"{name}.downsample.1", identity)
    return b.act(f"{name}.{relu}", b.binary(f"{name}.add", out, identity), "relu")


def _resnet(name: str, blocks: list[int], bottleneck: bool, batch: int, source: str) -> Network:
    b = NetBuilder(batch)
    x = b.conv("conv1", IMAGE, 64, 7, 2, 3, bias=False)
    x = b.act("relu", b.bn("bn1", x), "relu")
    x = b.pool("maxpool", x, "max", 3, 2, 1)
    block = _bottleneck if bottleneck else _basic_block
    for stage, (count, width) in enumerate(zip(blocks, (64, 128, 256, 512), strict=True)):
        for i in range(count):
            stride = 2 if stage > 0 and i == 0 else 1
            x = block(b, f"layer{stage + 1}.{i}", x, width, stride)
    x = b.global_pool("avgpool", x)
    b.linear("fc", b.flatten("flatten", x), 1000)
    return b.network(name, "cnn", source)


_RESNET18 = ZooEntry(
    name="resnet-18",
    family="cnn",
    description="ResNet-18 (basic blocks), torchvision, 224x224",
    default_batch=1,
    default_seq_len=None,
    source=f"He et al. 2016 (arXiv:1512.03385); {_TV}.resnet18 (1.81 GFLOPS, 11.69M params)",
)
_RESNET50 = ZooEntry(
    name="resnet-50",
    family="cnn",
    description="ResNet-50 v1.5 (bottlenecks, stride on the 3x3 conv), torchvision, 224x224",
    default_batch=1,
    default_seq_len=None,
    source=f"He et al. 2016 (arXiv:1512.03385); {_TV}.resnet50 (4.09 GFLOPS, 25.56M params)",
)


@register(_RESNET18)
def resnet18(batch: int, seq_len: int | None = None) -> Network:
    return _resnet("resnet-18", [2, 2, 2, 2], False, batch, _RESNET18.source)


@register(_RESNET50)
def resnet50(batch: int, seq_len: int | None = None) -> Network:
    return _resnet("resnet-50", [3, 4, 6, 3], True, batch, _RESNET50.source)


# ---- MobileNetV2 --------------------------------------------------------------------------
def _conv_bn_relu6(
    b: NetBuilder, name: str, x: FMap, out_c: int, k: int, s: int = 1, groups: int = 1
) -> FMap:
    """torchvision ``Conv2dNormActivation``: ``name.0`` conv, ``.1`` BN, ``.2`` ReLU6."""
    x = b.conv(f"{name}.0", x, out_c, k, s, (k - 1) // 2, groups=groups, bias=False)
    x = b.bn(f"{name}.1", x)
    return b.act(f"{name}.2", x, "relu6")


def _inverted_residual(
    b: NetBuilder, name: str, x: FMap, out_c: int, stride: int, expand: int
) -> FMap:
    hidden = x.c * expand
    out = x
    i = 0
    if expand != 1:
        out = _conv_bn_relu6(b, f"{name}.conv.0", out, hidden, 1)
        i = 1
    out = _conv_bn_relu6(b, f"{name}.conv.{i}", out, hidden, 3, stride, groups=hidden)
    out = b.conv(f"{name}.conv.{i + 1}", out, out_c, 1, bias=False)
    out = b.bn(f"{name}.conv.{i + 2}", out)
    if stride == 1 and x.c == out_c:
        out = b.binary(f"{name}.add", x, out)
    return out


_MOBILENET_V2 = ZooEntry(
    name="mobilenet-v2",
    family="cnn",
    description="MobileNetV2 1.0 (inverted residuals, ReLU6), torchvision, 224x224",
    default_batch=1,
    default_seq_len=None,
    source="Sandler et al. 2018 (arXiv:1801.04381, 300M multiply-adds); "
    f"{_TV}.mobilenet_v2 (3.50M params)",
)


@register(_MOBILENET_V2)
def mobilenet_v2(batch: int, seq_len: int | None = None) -> Network:
    b = NetBuilder(batch)
    x = _conv_bn_relu6(b, "features.0", IMAGE, 32, 3, 2)
    idx = 1
    # (expansion t, output channels c, repeats n, first stride s), Sandler et al. Table 2.
    for t, c, n, s in [
        (1, 16, 1, 1),
        (6, 24, 2, 2),
        (6, 32, 3, 2),
        (6, 64, 4, 2),
        (6, 96, 3, 1),
        (6, 160, 3, 2),
        (6, 320, 1, 1),
    ]:
        for i in range(n):
            x = _inverted_residual(b, f"features.{idx}", x, c, s if i == 0 else 1, t)
            idx += 1
    x = _conv_bn_relu6(b, f"features.{idx}", x, 1280, 1)
    x = b.global_pool("adaptive_avg_pool2d", x)
    b.linear("classifier.1", b.flatten("flatten", x), 1000)
    return b.network("mobilenet-v2", "cnn", _MOBILENET_V2.source)
