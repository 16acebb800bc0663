"""FPGA target: boards, resource rules and the pipeline / generic / hybrid engines."""

from __future__ import annotations

from accelscope.targets.fpga.boards import Board, get_board, list_boards
from accelscope.targets.fpga.design import FpgaDesign, design_from_dict, load_design
from accelscope.targets.fpga.evaluate import FpgaReport, evaluate_design

__all__ = [
    "Board",
    "FpgaDesign",
    "FpgaReport",
    "design_from_dict",
    "evaluate_design",
    "get_board",
    "list_boards",
    "load_design",
]
