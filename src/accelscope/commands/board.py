"""``accelscope board``: the FPGA boards the fpga target knows."""

from __future__ import annotations

from typing import Annotated

import typer

from accelscope.commands.common import JsonOpt, emit_json, out
from accelscope.console import Table

app = typer.Typer(help="FPGA boards (resources, memory bandwidth, sources).", no_args_is_help=True)


@app.command("list")
def board_list(json_out: JsonOpt = False) -> None:
    """List the bundled FPGA boards."""
    from accelscope.targets.fpga import get_board, list_boards

    boards = [get_board(name).model_dump() for name in list_boards()]
    if json_out:
        emit_json({"boards": boards})
        return
    table = Table(title="FPGA boards")
    for col in ("name", "device", "DSP", "BRAM18", "URAM", "LUT", "FF", "DRAM", "clock"):
        table.add_column(col, justify="left" if col in ("name", "device") else "right")
    for b in boards:
        table.add_row(
            b["name"],
            b["device"],
            f"{b['dsp']:,}",
            f"{b['bram18']:,}",
            f"{b['uram']:,}",
            f"{b['lut']:,}",
            f"{b['ff']:,}",
            f"{b['dram_gbps']:g} GB/s",
            f"{b['clock_mhz']:g} MHz",
        )
    out.print(table)
    out.print("sources: accelscope board show NAME", soft_wrap=True)


@app.command("show")
def board_show(
    name: Annotated[str, typer.Argument(help="Board name, or a board YAML file.")],
    json_out: JsonOpt = False,
) -> None:
    """One board's resources, memory bandwidth, typical clock and sources."""
    from accelscope.targets.fpga import get_board

    board = get_board(name).model_dump()
    if json_out:
        emit_json(board)
        return
    for key, value in board.items():
        shown = f"{value:,}" if isinstance(value, int) else str(value)
        out.print(f"{key:>10}  {shown}", soft_wrap=True)
