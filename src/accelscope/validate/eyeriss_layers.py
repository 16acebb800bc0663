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


def _rows(network_rows, report) -> list[dict]:
    by_name = {layer.name: layer for layer in report.layers}
    out = []
    for p in network_rows:
        layer = by_name[p.layer]
        model_ms = layer.cycles / (CLOCK_MHZ * 1e3)
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
            }
        )
    return out


def layer_rows() -> dict[str, list[dict]]:
    """Per network, the published and modeled figures of every CONV layer."""
    from accelscope.validate.published import _report, load_chips

    chip = next(c for c in load_chips().chips if c.chip == "Eyeriss")
    out = {}
    for row in chip.rows:
        if row.metric != "throughput_per_s":
            continue
        network, report = _report(chip, row.workload)
        published = VGG16 if network.name.startswith("vgg") else ALEXNET
        out[f"{network.name} (batch {network.batch})"] = _rows(published, report)
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


def render() -> list[str]:
    """The markdown section."""
    tables = layer_rows()
    lines = [
        "### Eyeriss layer by layer",
        "",
        "The template's latency of every CONV layer (at the chip's 200 MHz) against the "
        "processing latency the paper publishes per layer (Chen et al. 2017, tables V and "
        "VI, transcribed in github.com/cucapra/fodlam; two transcription errors corrected "
        "from the tables themselves, `accelscope/validate/eyeriss_layers.py`). *PE efficiency* is "
        "the published MACs per cycle over the layer's active PEs; *buffer rate* its "
        "global-buffer accesses over its processing latency.",
        "",
        "| network | layer | G MACs | published ms | template ms | template / published "
        "| active PEs | PE efficiency | buffer rate GB/s |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for net, rows in tables.items():
        for r in rows:
            lines.append(
                f"| {net} | {r['paper']} | {r['gmacs']:.2f} | {r['published_ms']:,.1f} "
                f"| {r['model_ms']:,.1f} | {r['ratio']:.2f} | {r['active_pes']} "
                f"| {100 * r['pe_efficiency']:.0f} % | {r['buffer_gbps']:.2f} |"
            )
    lines += ["", summary_sentence(tables), ""]
    return lines
