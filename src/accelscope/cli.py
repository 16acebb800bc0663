"""Command-line interface: ``accelscope COMMAND ...`` (typer + rich).

This module only assembles the commands (one module each in :mod:`accelscope.commands`)
and turns every user mistake into one line ``error: ...`` on stderr and exit 2. Every
command that prints a table also accepts ``--json`` and then prints exactly one JSON
document on stdout.
"""

from __future__ import annotations

import sys
import warnings
from typing import Annotated

import typer
import typer.main

from accelscope import __version__
from accelscope.commands.common import err, out
from accelscope.errors import AccelscopeError

app = typer.Typer(
    name="accelscope",
    help="Application-driven design-space exploration of DNN accelerators.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def version_cmd() -> None:
    """Print the accelscope version."""
    out.print(__version__)


def _print_version(value: bool) -> None:
    if value:
        out.print(__version__)
        raise typer.Exit(0)


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_print_version,
            is_eager=True,
            help="Print the version.",
            metavar="",
        ),
    ] = False,
) -> None:
    """Application-driven design-space exploration of DNN accelerators."""


def _register_commands() -> None:
    """Add ``accelscope NAME`` for every module in :mod:`accelscope.commands`: a module
    with a typer ``app`` becomes a command group, one with a ``command`` function a
    command."""
    import importlib

    from accelscope.commands import COMMANDS

    for name in COMMANDS:
        module = importlib.import_module(f"accelscope.commands.{name}")
        if hasattr(module, "app"):
            app.add_typer(module.app, name=name.replace("_", "-"))
        else:
            app.command(name.replace("_", "-"))(module.command)


def _flag_help_options(command) -> None:
    """--help takes no value: show it without typer's ``<bool>`` placeholder, on the
    root command and every subcommand."""
    original = command.get_help_option

    def get_help_option(ctx):
        option = original(ctx)
        if option is not None:
            option.metavar = ""
        return option

    command.get_help_option = get_help_option
    for sub in getattr(command, "commands", {}).values():
        _flag_help_options(sub)


def main(argv: list[str] | None = None) -> int:
    """Console-script entry point: user errors become one line on stderr and exit 2."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            command = typer.main.get_command(app)  # built once: checked, then run
            _flag_help_options(command)
            repeated = repeated_option_message(command, sys.argv[1:] if argv is None else argv)
            if repeated:
                err.print(repeated, markup=False, highlight=False, soft_wrap=True)
                return 2
            # Without standalone mode click returns the code of a typer.Exit instead of exiting.
            returned = command(args=argv, standalone_mode=False)
            code = returned if isinstance(returned, int) else 0
        except AccelscopeError as exc:
            _print_warnings(caught)
            err.print(f"error: {exc}", markup=False, highlight=False, soft_wrap=True)
            return exc.exit_code
        except typer.Exit as exc:
            code = exc.exit_code
        except typer.Abort:
            err.print("error: aborted", markup=False)
            return 130
        except KeyboardInterrupt:
            err.print("error: interrupted", markup=False)
            return 130
        except OSError as exc:  # permission, no space, is-a-directory, ... while reading/writing
            _print_warnings(caught)
            err.print(f"error: {os_error_message(exc)}", markup=False, highlight=False)
            return 2
        except Exception as exc:
            message = usage_error_message(exc)
            if message is None:
                raise
            _print_warnings(caught)
            if message:
                err.print(message, markup=False, highlight=False, soft_wrap=True)
            return 2
    _print_warnings(caught)
    return code


def repeated_option_message(command, argv: list[str]) -> str | None:
    """One line when an option of the click *command* tree that takes one value is given
    more than once in *argv* (click would silently keep the last: ``--arch tpu-v1 --arch
    edge`` evaluated only ``edge``)."""
    path = ["accelscope"]
    tokens = list(argv[: argv.index("--")] if "--" in argv else argv)
    i = 0
    while hasattr(command, "commands"):
        names = [(j, t) for j, t in enumerate(tokens[i:], i) if not t.startswith("-")]
        if not names or names[0][1] not in command.commands:
            return None  # no (known) subcommand: click reports it
        j, name = names[0]
        command, i = command.commands[name], j + 1
        path.append(name)
    rest = tokens[i:]
    for param in command.params:
        if getattr(param, "multiple", True) or getattr(param, "is_flag", False):
            continue
        opts = [o for o in getattr(param, "opts", []) if o.startswith("-")]
        given = sum(1 for t in rest for o in opts if t == o or t.startswith(o + "="))
        if given > 1:
            return (
                f"error: {opts[0]} given {given} times; it takes one value "
                f"(see '{' '.join(path)} --help')"
            )
    return None


def os_error_message(exc: OSError) -> str:
    """``path: reason`` of an operating-system error (the path it concerns, if known)."""
    reason = exc.strerror or str(exc)
    paths = [p for p in (exc.filename, exc.filename2) if p is not None]
    return f"{': '.join(str(p) for p in paths)}: {reason}" if paths else reason


def usage_error_message(exc: BaseException) -> str | None:
    """One line for a command-line usage error, whichever copy of click raised it (typer
    bundles its own as ``typer._click``; a separately installed ``click`` has the same
    class names), ``""`` when click already printed the help, or None for any other
    exception. The hint names the command's help."""
    names = {cls.__name__ for cls in type(exc).__mro__}
    if "ClickException" not in names:
        return None
    if "NoArgsIsHelpError" in names:
        return ""  # the help text was printed already
    try:
        text = str(exc.format_message())  # type: ignore[attr-defined]
    except Exception:  # pragma: no cover - a click that changed its API
        text = str(exc)
    text = " ".join(text.split()) or type(exc).__name__
    ctx = getattr(exc, "ctx", None)
    path = getattr(ctx, "command_path", None) or "accelscope"
    hint = f" (see '{path} --help')" if "UsageError" in names else ""
    return f"error: {text}{hint}"


def _print_warnings(caught: list[warnings.WarningMessage]) -> None:
    seen: set[str] = set()
    for w in caught:
        msg = str(w.message)
        if issubclass(w.category, (DeprecationWarning, PendingDeprecationWarning, FutureWarning)):
            continue
        if msg in seen:
            continue
        seen.add(msg)
        err.print(f"warning: {msg}", markup=False, highlight=False, soft_wrap=True)


_register_commands()
app.command("version")(version_cmd)

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
