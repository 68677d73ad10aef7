"""What a solution cell could change in its own process to alter how later cells run, recorded before
any student code runs and compared before every test cell that has to run in the student's process
(the in-process fallback): IPython's input and AST transformers, its event callbacks and the shell's
run/traceback methods, the display and exception hooks, trace and profile functions, import hooks and
the builtins. A difference is a tamper flag. Detection only: it runs where the student's code runs."""

from __future__ import annotations

import builtins
import sys

SHELL_METHODS = (
    "run_cell",
    "run_cell_async",
    "run_ast_nodes",
    "run_code",
    "showtraceback",
    "_showtraceback",
    "showsyntaxerror",
    "transform_cell",
    "transform_ast",
    "should_run_async",
)


def _ids(items) -> tuple:
    return tuple(id(item) for item in items)


def _method(owner, name: str):
    value = getattr(owner, name, None)
    return id(getattr(value, "__func__", value)), name in vars(owner)


def snapshot(shell) -> dict:
    manager = shell.input_transformer_manager
    state = {f"shell.{name}": _method(shell, name) for name in SHELL_METHODS}
    state.update(
        {
            "input_transformers_cleanup": _ids(shell.input_transformers_cleanup),
            "input_transformers_post": _ids(shell.input_transformers_post),
            "ast_transformers": _ids(shell.ast_transformers),
            "input_transformer_manager": (
                id(manager),
                _ids(manager.cleanup_transforms),
                _ids(manager.line_transforms),
            ),
            "events": {name: _ids(callbacks) for name, callbacks in shell.events.callbacks.items()},
            "displayhook": (id(shell.displayhook), id(sys.displayhook)),
            "display_pub": id(shell.display_pub),
            "excepthook": id(sys.excepthook),
            "trace": (id(sys.gettrace()), id(sys.getprofile())),
            "meta_path": _ids(sys.meta_path),
            "path_hooks": _ids(sys.path_hooks),
            "builtins": {name: id(value) for name, value in vars(builtins).items()},
        }
    )
    return state


def changes(before: dict, shell) -> list[str]:
    """The names of what differs from *before*."""
    now = snapshot(shell)
    return sorted(name for name in set(before) | set(now) if before.get(name) != now.get(name))
