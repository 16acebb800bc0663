"""Eyeriss layer by layer: the template's latency of each CONV layer against the chip's
published processing latency (a section of docs/validation.md, written by
experiments/validation.py; tested in tests/test_validate.py).

Published figures: Y.-H. Chen, T. Krishna, J. Emer, V. Sze, "Eyeriss: An Energy-Efficient
Reconfigurable Accelerator for Deep Convolutional Neural Networks", IEEE JSSC 52(1), 2017,
table V (AlexNet, batch 4) and table VI (VGG-16, batch 3): processing latency, active PEs
and global-buffer accesses per layer, as transcribed in github.com/cucapra/fodlam
(``data/eyeriss-alexnet.csv``, ``data/eyeriss-vgg16.csv``). Two transcription errors are
corrected, each from the table itself: VGG-16 CONV3-3's buffer accesses read "12l4.8"
(1214.8, as CONV3-2, same shape); CONV2-2's processing latency reads 1110.3 ms, which
contradicts the table's total of 3,755.2 ms -- the total gives 810.7 ms, equal to CONV1-2's
(same MACs and buffer accesses), and that value is used.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Core clock of the measurements, MHz (JSSC 2017: 200 MHz).
CLOCK_MHZ = 200.0
#: Bytes per value: the chip computes in 16-bit fixed point, psums included (JSSC 2017).
VALUE_BYTES = 2
#: Entries of each PE's ifmap scratchpad (JSSC 2017: 12 x 16 bit).
IFMAP_SPAD_ENTRIES = 12


@dataclass(frozen=True)
class PublishedLayer:
    paper: str  # the paper's layer name
    layer: str  # the layer in accelscope's workload
    gmacs: float  # MACs of the layer over the batch, G (as published, two decimals)
    processing_ms: float
    active_pes: int
    buffer_mb: float  # global-buffer accesses, MB


ALEXNET = (  # table V, batch 4
    PublishedLayer("CONV1", "conv1", 0.42, 16.5, 154, 18.5),
    PublishedLayer("CONV2", "conv2", 0.90, 39.2, 135, 77.6),
    PublishedLayer("CONV3", "conv3", 0.60, 21.3, 156, 50.2),
    PublishedLayer("CONV4", "conv4", 0.45, 16.0, 156, 37.4),
    PublishedLayer("CONV5", "conv5", 0.30, 10.0, 156, 24.9),
)
VGG16 = (  # table VI, batch 3
    PublishedLayer("CONV1-1", "features.0", 0.26, 38.0, 156, 112.5),
    PublishedLayer("CONV1-2", "features.2", 5.55, 810.6, 156, 2402.8),
    PublishedLayer("CONV2-1", "features.5", 2.77, 405.3, 150, 1201.4),
    PublishedLayer("CONV2-2", "features.7", 5.55, 810.7, 156, 2402.3),  # corrected, see above
    PublishedLayer("CONV3-1", "features.10", 2.77, 204.0, 156, 607.4),
    PublishedLayer("CONV3-2", "features.12", 5.55, 408.1, 156, 1214.8),
    PublishedLayer("CONV3-3", "features.14", 5.55, 408.1, 156, 1214.8),  # corrected, see above
    PublishedLayer("CONV4-1", "features.17", 2.77, 105.1, 168, 321.3),
    PublishedLayer("CONV4-2", "features.19", 5.55, 210.0, 168, 643.7),
    PublishedLayer("CONV4-3", "features.21", 5.55, 210.0, 168, 643.7),
    PublishedLayer("CONV5-1", "features.24", 1.39, 48.3, 163, 90.0),
    PublishedLayer("CONV5-2", "features.26", 1.39, 48.5, 168, 90.0),
    PublishedLayer("CONV5-3", "features.28", 1.39, 48.5, 168, 90.0),
)
#: Published PE efficiency below which a layer counts as stalled (the chip's own figure:
#: VGG-16's layers of 56 x 56 maps and larger run at 22-44 %, every other layer at 79 % or
#: more).
STALLED_BELOW = 0.75


def channels_per_psum_trip(channels_per_group: int, out_values: int, buffer_bytes: float) -> float:
    """Input channels a layer accumulates on the array per psum round trip through the
    global buffer, implied by its published buffer accesses if every access were a 16-bit
    psum read or write. Psums that leave the array after k of the C input channels (per
    group) are written C/k times and read back C/k - 1 times, so the buffer moves
    ``2 B x O x (2C/k - 1)`` for O output values: ``k = 2C / (buffer / (2 B x O) + 1)``.
    Ifmap reads are accesses too, so the chip's k is at least this. The published
    accesses are in MB, taken as 1e6 bytes."""
    return 2.0 * channels_per_group / (buffer_bytes / (VALUE_BYTES * out_values) + 1.0)


def _rows(network_rows, report, network) -> list[dict]:
    from accelscope.validate.published import layer_latency_ms

    by_name = {layer.name: layer for layer in report.layers}
    ops = {op.name: op for op in network.layers}
    out = []
    for p in network_rows:
        layer = by_name[p.layer]
        op = ops[p.layer]
        out_values = op.batch * op.out_channels * op.out_h * op.out_w
        trip = channels_per_psum_trip(op.in_channels // op.groups, out_values, p.buffer_mb * 1e6)
        model_ms = layer_latency_ms(report, p.layer)
        gbps = p.buffer_mb / p.processing_ms  # MB/ms = GB/s
        out.append(
            {
                "paper": p.paper,
                "gmacs": layer.macs / 1e9,
                "published_gmacs": p.gmacs,
                "published_ms": p.processing_ms,
                "model_ms": model_ms,
                "ratio": model_ms / p.processing_ms,
                "pe_efficiency": layer.macs
                / (p.processing_ms * 1e-3 * p.active_pes * CLOCK_MHZ * 1e6),
                "active_pes": p.active_pes,
                "buffer_gbps": gbps,
                "out_size": op.out_h,
                "kernel": op.kernel[1],
                "channels_per_psum_trip": trip,
                "buffer_bytes_per_mac": p.buffer_mb * 1e6 / layer.macs,
            }
        )
    return out


def layer_rows(reports: dict | None = None) -> dict[str, list[dict]]:
    """Per network, the published and modeled figures of every CONV layer (*reports*: the
    evaluation cache of :func:`accelscope.validate.published.report`, shared with the
    rows of the same run)."""
    from accelscope.validate.published import load_chips, report

    chip = next(c for c in load_chips().chips if c.chip == "Eyeriss")
    out = {}
    for row in chip.rows:
        if row.metric != "throughput_per_s":
            continue
        network, rep = report(chip, row.workload, reports)
        published = VGG16 if network.name.startswith("vgg") else ALEXNET
        out[f"{network.name} (batch {network.batch})"] = _rows(published, rep, network)
    return out


def summary_sentence(tables: dict[str, list[dict]]) -> str:
    """What the layer table shows, in one paragraph (numbers from *tables*)."""
    rows = [r for net in tables.values() for r in net]
    busy = [r for r in rows if r["pe_efficiency"] >= STALLED_BELOW]
    stalled = [r for r in rows if r["pe_efficiency"] < STALLED_BELOW]

    def span(group: list[dict], key: str, fmt: str = ".2f") -> str:
        values = [r[key] for r in group]
        return f"{min(values):{fmt}} to {max(values):{fmt}}"

    return (
        f"On the {len(busy)} layers where the chip keeps its active PEs at least "
        f"{100 * STALLED_BELOW:.0f} % busy, the template's latency is {span(busy, 'ratio')} "
        f"of the chip's; it runs them on all 168 PEs, the chip on "
        f"{min(r['active_pes'] for r in busy)} to {max(r['active_pes'] for r in busy)}. "
        f"On the {len(stalled)} where it does not (VGG-16's layers of 56 x 56 maps and "
        f"larger, PE efficiency {span(stalled, 'pe_efficiency', '.0%')}), the template's "
        f"latency is {span(stalled, 'ratio')} of the chip's: these layers move their "
        f"global-buffer accesses at {span(stalled, 'buffer_gbps')} GB/s, about 16 B per "
        "cycle, the buffer's ceiling, a bound of row-stationary traffic that a systolic "
        "mapping without PE scratchpads does not see."
    )


def psum_sentence(tables: dict[str, list[dict]]) -> str:
    """What the implied psum round trips say about VGG-16's 3 x 3 layers, in one paragraph
    (numbers from *tables*; CONV1-1, with 3 input channels, moves mostly ifmaps)."""
    vgg = next(rows for net, rows in tables.items() if net.startswith("vgg"))
    rows = [r for r in vgg if r["kernel"] == 3 and r["channels_per_psum_trip"] >= 1.0]
    sizes = sorted({r["out_size"] for r in rows}, reverse=True)

    def by_size(e: int, key: str, fmt: str) -> str:
        values = sorted({format(r[key], fmt) for r in rows if r["out_size"] == e})
        return values[0] if len(values) == 1 else f"{values[0]}-{values[-1]}"

    groups = "; ".join(
        f"{e} x {e}: k = {by_size(e, 'channels_per_psum_trip', '.2f')}, "
        f"{by_size(e, 'buffer_bytes_per_mac', '.3f')} B per MAC, PE efficiency "
        f"{by_size(e, 'pe_efficiency', '.0%')}"
        for e in sizes
    )
    windows = IFMAP_SPAD_ENTRIES // 3
    big = [r for r in rows if r["out_size"] >= 28]
    return (
        "*Channels per psum trip* (k) is what each layer's published buffer accesses imply "
        "if all of them were 16-bit psum reads and writes: psums that leave the array "
        "after k input channels cross the buffer 2C/k - 1 times (a lower bound on the "
        "chip's k, since ifmap reads count too). On VGG-16's 3 x 3 layers it comes out "
        f"close to whole numbers that grow as the maps shrink ({groups}): psum trips of "
        "4 bytes per 9k MACs account for nearly all of the buffer traffic. On the layers "
        f"of {min(r['out_size'] for r in big)} x {min(r['out_size'] for r in big)} maps "
        "and larger the buffer moves it at the same rate, "
        f"{min(r['buffer_gbps'] for r in big):.2f} to {max(r['buffer_gbps'] for r in big):.2f}"
        " GB/s, so their PE efficiency grows with k. Each PE's "
        f"{IFMAP_SPAD_ENTRIES}-entry ifmap scratchpad holds the 3-value windows of "
        f"{windows} channels; the paper does not say why its mapper accumulated fewer on "
        "the largest maps. A row-stationary model would have to reproduce these per-layer "
        "choices to reproduce the latency; inferring them from the published accesses "
        "would fit the rows it is checked against."
    )


def render(reports: dict | None = None) -> list[str]:
    """The markdown section (*reports*: as for :func:`layer_rows`)."""
    tables = layer_rows(reports)
    lines = [
        "### Eyeriss layer by layer",
        "",
        "The template's latency of every CONV layer (at the chip's 200 MHz) against the "
        "processing latency the paper publishes per layer (Chen et al. 2017, tables V and "
        "VI, transcribed in github.com/cucapra/fodlam; two transcription errors corrected "
        "from the tables themselves, `accelscope/validate/eyeriss_layers.py`). *PE efficiency* is "
        "the published MACs per cycle over the layer's active PEs; *buffer rate* its "
        "global-buffer accesses over its processing latency; *channels per psum trip* is "
        "explained below the table.",
        "",
        "| network | layer | G MACs | published ms | template ms | template / published "
        "| active PEs | PE efficiency | buffer rate GB/s | channels per psum trip |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for net, rows in tables.items():
        for r in rows:
            lines.append(
                f"| {net} | {r['paper']} | {r['gmacs']:.2f} | {r['published_ms']:,.1f} "
                f"| {r['model_ms']:,.1f} | {r['ratio']:.2f} | {r['active_pes']} "
                f"| {100 * r['pe_efficiency']:.0f} % | {r['buffer_gbps']:.2f} "
                f"| {r['channels_per_psum_trip']:.2f} |"
            )
    lines += ["", summary_sentence(tables), "", psum_sentence(tables), ""]
    return lines
