"""Chip builder: synthesizable Verilog for a design's tensor unit, simulated with
Verilator against the cost model's cycle counts (docs/rtl.md)."""

from __future__ import annotations

from accelscope.rtl.generate import RtlDesign, rtl_design, write_rtl

__all__ = ["RtlDesign", "rtl_design", "write_rtl"]
