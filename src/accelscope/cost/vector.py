"""Vector-unit kernels: element-wise work, its DRAM traffic and energy (vectorized).

* cycles: ``ceil(elements / lanes) * ops_per_element`` on the configuration's lanes.
* on-chip fusion (assumption): a kernel with arithmetic (``ops_per_element > 0``) whose
  operands fit the usable output-buffer capacity, ``(in + out) * bpe <= output`` (the
  unified buffer's usable capacity when unified), runs on the producer's output while it
  is still on chip and moves no DRAM bytes (the producer's output write already counts
  the bytes leaving the chip). Otherwise inputs are read from and outputs written to
  DRAM. Pure data movement (``ops_per_element == 0``, e.g. an embedding gather) always
  goes through DRAM.
* latency: ``max(cycles, memory)`` with double buffering, ``cycles + memory`` without.
* energy: ops x ``vector_op_energy_pj``; buffer bytes ``(in + out) * bpe`` (lane reads and
  writes), twice that when staged through DRAM (fills and drains), at the output (or
  unified) buffer's pJ/byte; DRAM bytes x ``dram_pj_per_byte``.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np


class VectorCosts(NamedTuple):
    """Per (config, vector kernel) arrays ``[c, v]`` (float64)."""

    cycles: np.ndarray  # vector-unit cycles
    dram_bytes: np.ndarray
    memory_cycles: np.ndarray
    latency_cycles: np.ndarray
    energy_pj: np.ndarray  # dynamic


def vector_costs(
    elements: np.ndarray,
    ops_per_element: np.ndarray,
    in_elements: np.ndarray,
    out_elements: np.ndarray,
    lanes: np.ndarray,
    bpe: np.ndarray,
    out_capacity_bytes: np.ndarray,
    bytes_per_cycle: np.ndarray,
    double_buffering: np.ndarray,
    op_pj: np.ndarray,
    sram_pj: np.ndarray,
    dram_pj: np.ndarray,
) -> VectorCosts:
    """Costs of vector kernels: kernel columns ``[1, v]``, config columns ``[c, 1]``."""
    cycles = np.ceil(elements / lanes) * ops_per_element
    io_bytes = (in_elements + out_elements) * bpe
    fused = (ops_per_element > 0) & (io_bytes <= out_capacity_bytes)
    dram = np.where(fused, 0.0, io_bytes)
    mem = dram / bytes_per_cycle
    lat = np.where(double_buffering, np.maximum(cycles, mem), cycles + mem)
    buf = io_bytes * np.where(fused, 1.0, 2.0)
    energy = (elements * ops_per_element) * op_pj + buf * sram_pj + dram * dram_pj
    return VectorCosts(cycles, dram, mem, lat, energy)
