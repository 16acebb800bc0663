"""``accelscope zoo``: the built-in model zoo."""

from __future__ import annotations

import typer

from accelscope.commands.common import (
    JsonOpt,
    emit_json,
    out,
)
from accelscope.console import Table
from accelscope.fmt import si

app = typer.Typer(help="The built-in model zoo.", no_args_is_help=True)


# ---------------------------------------------------------------------------- zoo
@app.command("list")
def zoo_list(json_out: JsonOpt = False) -> None:
    """List the built-in networks with family, MACs and parameters."""
    from accelscope.workload.catalogue import catalogue_rows

    rows = catalogue_rows()
    if json_out:
        emit_json({"models": rows})
        return
    table = Table(title="accelscope model zoo")
    for col in ("name", "family", "batch", "seq", "MACs", "params", "description"):
        table.add_column(
            col, justify="right" if col in ("batch", "seq", "MACs", "params") else "left"
        )
    for r in rows:
        table.add_row(
            r["name"],
            r["family"],
            str(r["batch"]),
            str(r["seq_len"] or "-"),
            si(r["macs"]),
            si(r["params"]),
            r["description"],
        )
    out.print(table)
