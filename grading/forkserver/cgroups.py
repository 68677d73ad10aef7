"""Per-run limits through cgroups: memory and process count for a whole submission, every process the
student's code starts included (rlimits count per process, or per uid for processes only).

The worker prepares one group per sandbox slot before each run — cgroup v2 (`memory.max`, `pids.max`,
production containers) or v1 (the `memory` and `pids` controllers) — and the student's child joins it
while still privileged, before any student code runs; everything it forks stays in it. Where no
writable cgroup hierarchy exists (not root, a read-only /sys/fs/cgroup) the rlimits alone apply, and the
worker logs a warning once.
"""

from __future__ import annotations

import logging
import os

logger = logging.getLogger(__name__)
ROOT = "/sys/fs/cgroup"
GROUP = "itl-grading"
_warned = False


def _write(path: str, value: str) -> None:
    with open(path, "w", encoding="ascii") as fh:
        fh.write(value)


def _v2() -> bool:
    return os.path.exists(os.path.join(ROOT, "cgroup.controllers"))


def prepare(slot: int, *, memory_bytes: int, processes: int) -> list[str]:
    """The cgroup directories a run in *slot* joins, set to the limits; [] when none can be used."""
    global _warned
    try:
        if _v2():
            parent = os.path.join(ROOT, GROUP)
            os.makedirs(parent, exist_ok=True)
            _write(os.path.join(parent, "cgroup.subtree_control"), "+memory +pids")
            group = os.path.join(parent, f"slot-{slot}")
            os.makedirs(group, exist_ok=True)
            _write(os.path.join(group, "memory.max"), str(memory_bytes))
            _write(os.path.join(group, "memory.swap.max"), "0")
            _write(os.path.join(group, "pids.max"), str(processes))
            return [group]
        memory = os.path.join(ROOT, "memory", GROUP, f"slot-{slot}")
        pids = os.path.join(ROOT, "pids", GROUP, f"slot-{slot}")
        for group in (memory, pids):
            os.makedirs(group, exist_ok=True)
        _write(os.path.join(memory, "memory.limit_in_bytes"), str(memory_bytes))
        _write(os.path.join(pids, "pids.max"), str(processes))
        return [memory, pids]
    except OSError as exc:
        if not _warned:
            _warned = True
            logger.warning(
                "grading: no writable cgroups here (%s); memory and process limits are per process "
                "(rlimits), not per submission",
                exc,
            )
        return []


def join(groups: list[str]) -> None:
    """Move this process into *groups* (called by the student's child while still privileged)."""
    for group in groups:
        _write(os.path.join(group, "cgroup.procs"), "0")
