"""The CLI commands, one module each, assembled by :mod:`accelscope.cli`.

A module ``accelscope.commands.NAME`` defines either ``command`` (a typer-annotated
function, ``accelscope NAME`` with ``_`` written ``-``) or ``app`` (a typer group,
``accelscope NAME SUB``).
What they share -- consoles, common options, JSON output, loading a network,
provenance, the optional report -- is in :mod:`accelscope.commands.common`.
"""

#: Commands in the order ``accelscope --help`` lists them.
COMMANDS = (
    "zoo",
    "workload",
    "arch",
    "board",
    "evaluate",
    "compare",
    "explore",
    "multi",
    "mix",
    "codesign",
    "measure",
    "train_symbiotic",
    "rtl",
    "report",
    "validate",
)
