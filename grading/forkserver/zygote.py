"""The zygote: started once per grading process (by `grading.forkserver.client`, with exec, inside the
sandbox's `unshare` namespaces, single-threaded). It imports IPython and the usual scientific libraries,
confines the file system as a sandbox runner does (hidden directories covered, the Python installation
read-only), builds one IPython shell, freezes the garbage collector's heap, and then forks a supervisor
for every job the worker sends: a one-byte message carrying three file descriptors, the student's part
of the job, the evaluator's part (the test cells) and the result pipe. It never reads a job itself.
Protocol on stdin (then closed): {"hide", "keep", "isolated", "uid", "tmpfs_bytes"}. When the worker
closes its end of the control socket the zygote exits, and, being the first process of its PID
namespace, takes every child with it."""

from __future__ import annotations

import gc
import json
import os
import signal
import socket
import sys
from pathlib import Path

# Imported once here, so no submission pays for them. matplotlib's pyplot also builds (or reads) the
# font cache and, with the inline backend, hooks figure display into the shell's post-execute event.
WARM_MODULES = ("numpy", "pandas", "matplotlib", "matplotlib.pyplot")


def _warm(shell) -> None:
    import importlib

    for name in WARM_MODULES:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001, S112 - optional libraries, imported when installed
            continue
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:
        # The backend is chosen at the first figure, and the inline one then registers its display
        # hook with the shell: do that here, before the machinery snapshot a child takes, and load
        # the renderer and fonts. Nothing of this figure is kept.
        import io

        figure = pyplot.figure()
        figure.savefig(io.BytesIO(), format="png")
        pyplot.close("all")
    shell.run_cell("pass", store_history=False, silent=True)
    # The session logger a cell kept in history reaches: made lazily, with an import, so here rather
    # than in every child.
    shell.logger  # noqa: B018


def main() -> int:
    sys.path[0] = str(Path(__file__).resolve().parents[2])
    from grading import sandbox_runner as runner
    from grading.forkserver import supervisor
    from grading.forkserver.capture import make_shell

    control = socket.socket(fileno=int(sys.argv[1]))
    config = json.loads(sys.stdin.buffer.read())
    # The environment (MPLBACKEND included) is the sandbox's, set by the worker that started this.
    os.environ["IPYTHONDIR"] = "/tmp/.ipython-zygote"  # noqa: S108 - the sandbox's private tmpfs
    os.environ["MPLCONFIGDIR"] = supervisor.student.MATPLOTLIB_DIR
    runner._libc()  # found once here; every supervisor, evaluator and student child inherits it
    if config["isolated"]:
        if os.getpid() != 1:
            raise RuntimeError("the zygote has no PID namespace of its own")
        runner.confine_filesystem(
            {
                "limits": {"tmpfs_bytes": config["tmpfs_bytes"]},
                "keep": config["keep"],
                "hide": config["hide"],
                "uid": config["uid"],
            }
        )
    shell = make_shell()
    _warm(shell)
    gc.collect()
    gc.freeze()
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    drop_to = supervisor.TRUSTED_UID if config["uid"] is not None else None
    while True:
        try:
            message, fds, _flags, _addr = socket.recv_fds(control, 16, 3)
        except InterruptedError:
            continue
        if not message:
            return 0
        if len(fds) != 3:
            for fd in fds:
                os.close(fd)
            continue
        if os.fork() == 0:
            control.close()
            supervisor.main(shell, *fds, drop_to=drop_to, isolated=config["isolated"])
        for fd in fds:
            os.close(fd)


if __name__ == "__main__":
    sys.exit(main())
