"""A network as FPGA engine work: one *stage* per layer that has GEMM work.

The FPGA engines (DNNBuilder-style pipeline stages and a HybridDNN-style generic
engine) compute a convolution as loops over input channels ``C`` (unrolled by ``ci``),
output channels ``K`` (unrolled by ``co``), output pixels (unrolled by ``pp`` on the
generic engine) and kernel positions (not unrolled), following the loop nest of Zhang et
al., FPGA 2015. A fully connected layer or matrix product is the same nest with a 1x1
kernel: ``C`` is the reduction length and the pixels are the rows.

Element-wise work (activations, pooling, batch norm, residual additions) is assumed to
run in line with the engines, as in DNNBuilder and HybridDNN, and is not timed; the
number of such layers is reported so a user can see what was not timed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from accelscope.workload.kernels import GemmKernel
from accelscope.workload.network import Network


@dataclass(frozen=True)
class StageTable:
    """GEMM occurrences of a network, grouped into stages (layers) in network order.

    ``gemm_*`` arrays have one entry per (layer, unique GEMM) pair, sorted by stage;
    ``stage_*`` arrays one entry per stage. Element counts include the batch.
    """

    gemm_stage: np.ndarray  # stage index of each GEMM occurrence
    gemm_count: np.ndarray  # how many times the layer runs this GEMM
    gemm_groups: np.ndarray
    gemm_repeats: np.ndarray
    gemm_channels: np.ndarray  # C: reduction channels per group (K of the GEMM / kernel area)
    gemm_kernel_area: np.ndarray  # kernel positions per output (1 for a plain GEMM)
    gemm_out_channels: np.ndarray  # K: output channels per group (N of the GEMM)
    gemm_pixels: np.ndarray  # output pixels (rows, M of the GEMM) per group and repeat
    gemm_weight_elems: np.ndarray  # B operand elements (all groups, one repeat)
    gemm_b_is_weight: np.ndarray
    gemm_input_elems: np.ndarray  # A operand elements read (all groups and repeats)
    gemm_output_elems: np.ndarray
    gemm_line_elems: np.ndarray  # column-based line buffer of a pipeline stage
    stage_layer: np.ndarray  # layer index of each stage
    stage_start: np.ndarray  # first GEMM occurrence of each stage
    stage_channels: np.ndarray  # C and K of the stage's largest GEMM (sets its unrolling)
    stage_out_channels: np.ndarray
    stage_fill_fraction: np.ndarray  # share of a stage's work before the next can start
    layer_names: tuple[str, ...]
    batch: int
    vector_layers: int  # layers with element-wise work only (not timed)

    @property
    def n_stages(self) -> int:
        return int(self.stage_layer.shape[0])

    @property
    def macs(self) -> int:
        """Multiply-accumulates of the whole batch."""
        return int(
            np.sum(
                self.gemm_count
                * self.gemm_groups
                * self.gemm_repeats
                * self.gemm_channels
                * self.gemm_kernel_area
                * self.gemm_out_channels
                * self.gemm_pixels
            )
        )

    def stage_macs(self) -> np.ndarray:
        macs = (
            self.gemm_count
            * self.gemm_groups
            * self.gemm_repeats
            * self.gemm_channels
            * self.gemm_kernel_area
            * self.gemm_out_channels
            * self.gemm_pixels
        ).astype(np.float64)
        return np.add.reduceat(macs, self.stage_start) if self.n_stages else macs[:0]

    def stage_weight_elems(self) -> np.ndarray:
        w = (self.gemm_count * self.gemm_weight_elems).astype(np.int64)
        return np.add.reduceat(w, self.stage_start) if self.n_stages else w[:0]


def _gemm_row(kern: GemmKernel) -> dict[str, int]:
    conv = kern.conv
    if conv is not None:
        channels = conv.channels
        area = kern.k // channels
        line = kern.groups * channels * conv.in_h * min(conv.in_w, conv.span_w + conv.stride_w)
        inputs = kern.groups * conv.input_elements * kern.repeats
        span, in_h = conv.span_h, conv.in_h
    else:
        channels, area = kern.k, 1
        line = kern.groups * kern.k
        inputs = kern.groups * kern.m * kern.k * kern.repeats
        span, in_h = 0, 0
    return {
        "groups": kern.groups,
        "repeats": kern.repeats,
        "channels": channels,
        "kernel_area": area,
        "out_channels": kern.n,
        "pixels": kern.m,
        "weight_elems": kern.groups * kern.k * kern.n,
        "b_is_weight": int(kern.b_is_weight),
        "input_elems": inputs,
        "output_elems": kern.groups * kern.m * kern.n * kern.repeats,
        "line_elems": line,
        "span_h": span,
        "in_h": in_h,
    }


def stage_table(network: Network) -> StageTable:
    """The stages of *network* (see :class:`StageTable`)."""
    rows: list[dict[str, int]] = []
    stage_layer: list[int] = []
    stage_start: list[int] = []
    vector_layers = 0
    names = []
    for li, (name, kernels) in enumerate(network.layer_kernels()):
        names.append(name)
        gemms: dict[GemmKernel, int] = {}
        for kern in kernels:
            if isinstance(kern, GemmKernel):
                gemms[kern] = gemms.get(kern, 0) + 1
        if not gemms:
            vector_layers += bool(kernels)
            continue
        stage_layer.append(li)
        stage_start.append(len(rows))
        for kern, count in gemms.items():
            rows.append({"stage": len(stage_layer) - 1, "count": count, **_gemm_row(kern)})

    def col(key: str) -> np.ndarray:
        return np.array([r[key] for r in rows], dtype=np.int64)

    n_stages = len(stage_layer)
    macs = col("count") * col("groups") * col("channels") * col("kernel_area") * col("pixels")
    macs = macs * col("out_channels") * col("repeats") if rows else macs
    lead = np.zeros(n_stages, dtype=np.int64)  # largest GEMM of each stage
    for s in range(n_stages):
        end = stage_start[s + 1] if s + 1 < n_stages else len(rows)
        lead[s] = stage_start[s] + int(np.argmax(macs[stage_start[s] : end]))
    # A stage hands rows to the next one: the next stage starts once it has the input
    # rows its first output row needs (its receptive-field height out of its input
    # height; a pooling layer in between scales both alike); a GEMM without geometry
    # needs its whole input.
    fill = np.ones(n_stages, dtype=np.float64)
    for s in range(n_stages - 1):
        nxt = rows[lead[s + 1]]
        if nxt["span_h"] and nxt["in_h"]:
            fill[s] = min(1.0, nxt["span_h"] / nxt["in_h"])
    return StageTable(
        gemm_stage=col("stage"),
        gemm_count=col("count"),
        gemm_groups=col("groups"),
        gemm_repeats=col("repeats"),
        gemm_channels=col("channels"),
        gemm_kernel_area=col("kernel_area"),
        gemm_out_channels=col("out_channels"),
        gemm_pixels=col("pixels"),
        gemm_weight_elems=col("weight_elems"),
        gemm_b_is_weight=col("b_is_weight").astype(bool),
        gemm_input_elems=col("input_elems"),
        gemm_output_elems=col("output_elems"),
        gemm_line_elems=col("line_elems"),
        stage_layer=np.array(stage_layer, dtype=np.int64),
        stage_start=np.array(stage_start, dtype=np.int64),
        stage_channels=col("channels")[lead] if rows else np.zeros(0, np.int64),
        stage_out_channels=col("out_channels")[lead] if rows else np.zeros(0, np.int64),
        stage_fill_fraction=fill,
        layer_names=tuple(names),
        batch=network.batch,
        vector_layers=vector_layers,
    )
