"""A share of an accelerator: ``u`` of its ``units`` tensor units, with the buffer
capacity, tile staging and DRAM bandwidth in proportion (``u / units``). Spatial
partitioning runs each network of a mix on its share (docs/mix.md)."""

from __future__ import annotations

import dataclasses

import numpy as np

from accelscope.targets.asic.cost.configs import ConfigBatch


def partition_configs(cfg: ConfigBatch, units: np.ndarray) -> ConfigBatch:
    """*cfg* with ``units`` tensor units each (``[n_cfg]``, 1 <= units <= cfg.units) and
    the buffers, staging and DRAM bandwidth scaled by ``units / cfg.units``."""
    share_units = np.asarray(units, dtype=np.int64)
    share = share_units / cfg.units.astype(np.float64)

    def scaled(column: np.ndarray) -> np.ndarray:
        return np.where(np.isnan(column), column, column * share)

    return dataclasses.replace(
        cfg,
        units=share_units.astype(cfg.units.dtype),
        unified_kib=scaled(cfg.unified_kib),
        input_kib=scaled(cfg.input_kib),
        weight_kib=scaled(cfg.weight_kib),
        output_kib=scaled(cfg.output_kib),
        staging_kib=scaled(cfg.staging_kib),
        dram_gbps=cfg.dram_gbps * share,
    )
