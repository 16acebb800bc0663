"""Object detectors: Tiny-YOLOv2 (PASCAL VOC, 416x416), after darknet's yolov2-tiny-voc.cfg.

Darknet convolutions followed by batch norm carry no bias (the BN shift is the bias);
the activation is leaky ReLU (slope 0.1). The stride-1 2x2 max pool pads one pixel on
the right and bottom so the 13x13 grid is kept, as darknet does.
"""

from __future__ import annotations

from accelscope.workload.network import Network
from accelscope.workload.zoo._builder import FMap, NetBuilder, Rows
from accelscope.workload.zoo._registry import ZooEntry, register

#: Anchors per grid cell and classes of the VOC model (yolov2-tiny-voc.cfg [region]).
ANCHORS = 5
CLASSES = 20

_TINY_YOLOV2 = ZooEntry(
    name="tiny-yolov2",
    family="detector",
    description="Tiny-YOLOv2 (YOLOv2-tiny) for PASCAL VOC, 416x416, 13x13x5 anchor grid",
    default_batch=1,
    default_seq_len=None,
    source="Redmon & Farhadi 2017 'YOLO9000' (arXiv:1612.08242); darknet "
    "cfg/yolov2-tiny-voc.cfg (6.97 BFLOPs, https://pjreddie.com/darknet/yolov2/)",
)


@register(_TINY_YOLOV2)
def tiny_yolov2(batch: int, seq_len: int | None = None) -> Network:
    b = NetBuilder(batch)
    x = FMap("input", 3, 416, 416)
    # (filters, max-pool stride after the conv or 0 for none), 3x3 convs with pad 1.
    plan = [(16, 2), (32, 2), (64, 2), (128, 2), (256, 2), (512, 1), (1024, 0), (1024, 0)]
    for i, (filters, pool_stride) in enumerate(plan, start=1):
        x = b.conv(f"conv{i}", x, filters, 3, 1, 1, bias=False)
        x = b.act(f"leaky{i}", b.bn(f"bn{i}", x), "leaky_relu")
        if pool_stride == 2:
            x = b.pool(f"pool{i}", x, "max", 2, 2)
        elif pool_stride == 1:
            # (top, left, bottom, right) = (0, 0, 1, 1): darknet's asymmetric 'same' pad.
            x = b.pool(f"pool{i}", x, "max", 2, 1, padding=(0, 0, 1, 1))
    x = b.conv("conv9", x, ANCHORS * (5 + CLASSES), 1, 1, 0, bias=True)
    # [region] layer: logistic on x, y and objectness, softmax over the classes, and
    # exp on w, h when boxes are decoded (darknet region_layer.c / get_region_box).
    cells = batch * x.h * x.w * ANCHORS
    b.act("region.logistic", Rows(x.src, cells, 3), "sigmoid")
    b.act("region.exp", Rows(x.src, cells, 2), "exp")
    b.softmax("region.softmax", Rows(x.src, cells, CLASSES))
    return b.network("tiny-yolov2", "detector", _TINY_YOLOV2.source)
