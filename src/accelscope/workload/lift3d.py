"""3-D convolution and pooling as the IR's 2-D operators, shared by both importers.

* A 3-D convolution is the 2-D convolution of every output depth slice over the ``kd``
  input slices it reads, stacked as channels: batch ``N * D_out``, ``C_in * kd`` input
  channels, the (H, W) kernel, stride, dilation and padding. MACs and weights are exact;
  input traffic is counted per stacked slice (docs/workloads.md).
* 3-D max and average pooling are separable: a 2-D pool of every input depth slice over
  (H, W), then a 1-D pool over depth of every (channel, row, column). Exact for both
  window kinds; the second layer is named ``<name>/depth``.

Shapes are ``(N, C, D, H, W)``; kernels, strides and dilations ``(d, h, w)``; paddings
``pads_d = (front, back)`` and ``pads_hw = (top, left, bottom, right)``. The functions
return the fields of the IR operators.
"""

from __future__ import annotations

from typing import Any


def conv3d_fields(
    x: tuple[int, ...],
    out_channels: int,
    d_out: int,
    kernel: tuple[int, int, int],
    strides: tuple[int, int, int],
    dilations: tuple[int, int, int],
    pads_hw: tuple[int, int, int, int],
    groups: int,
    bias: bool,
) -> dict[str, Any]:
    """``Conv2d`` fields of a 3-D convolution (module docstring)."""
    return {
        "batch": x[0] * d_out,
        "in_channels": x[1] * kernel[0],
        "out_channels": out_channels,
        "in_h": x[3],
        "in_w": x[4],
        "kernel": (kernel[1], kernel[2]),
        "stride": (strides[1], strides[2]),
        "dilation": (dilations[1], dilations[2]),
        "padding": tuple(pads_hw),
        "groups": groups,
        "bias": bias,
    }


def pool3d_fields(
    mode: str,
    x: tuple[int, ...],
    out_hw: tuple[int, int],
    kernel: tuple[int, int, int],
    strides: tuple[int, int, int],
    pads_d: tuple[int, int],
    pads_hw: tuple[int, int, int, int],
    ceil_mode: bool,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """``Pool2d`` fields of the (H, W) stage and of the depth stage (module docstring)."""
    n, c, d, h, w = x
    plane = {
        "mode": mode, "batch": n * d, "channels": c, "in_h": h, "in_w": w,
        "kernel": (kernel[1], kernel[2]), "stride": (strides[1], strides[2]),
        "padding": tuple(pads_hw), "ceil_mode": ceil_mode,
    }  # fmt: skip
    depth = {
        "mode": mode, "batch": n, "channels": c * out_hw[0] * out_hw[1], "in_h": 1, "in_w": d,
        "kernel": (1, kernel[0]), "stride": (1, strides[0]),
        "padding": (0, pads_d[0], 0, pads_d[1]), "ceil_mode": ceil_mode,
    }  # fmt: skip
    return plane, depth
