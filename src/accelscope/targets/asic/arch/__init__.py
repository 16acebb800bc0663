"""Accelerator template: typed spec, technology tables and bundled presets."""

from __future__ import annotations

from accelscope.targets.asic.arch.dram import DRAM_TYPES, DramType, get_dram_type
from accelscope.targets.asic.arch.presets import (
    arch_from_dict,
    list_presets,
    load_arch,
    preset_path,
)
from accelscope.targets.asic.arch.spec import (
    Arch,
    Buffers,
    Dram,
    Execution,
    TensorUnits,
    VectorUnit,
)
from accelscope.targets.asic.arch.technology import TECHNOLOGIES, Technology, get_technology

__all__ = [
    "Arch",
    "TensorUnits",
    "VectorUnit",
    "Buffers",
    "Dram",
    "DramType",
    "DRAM_TYPES",
    "Execution",
    "get_dram_type",
    "load_arch",
    "arch_from_dict",
    "list_presets",
    "preset_path",
    "Technology",
    "TECHNOLOGIES",
    "get_technology",
]
