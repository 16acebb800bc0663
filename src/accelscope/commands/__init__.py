"""Additional CLI commands, one module each, registered by :mod:`accelscope.cli`.

A module ``accelscope.commands.NAME`` defines ``command`` (a typer-annotated function);
it becomes ``accelscope NAME``. Shared CLI helpers (``_load``, ``_emit_json``,
``provenance``, the ``out``/``err`` consoles and common options) live in
:mod:`accelscope.cli`.
"""

COMMANDS = ("multi", "codesign", "report", "validate")
