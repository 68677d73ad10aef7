"""Per-run limits of the fork engine: memory is limited for the whole submission (a cgroup), not per
process, so a cell that forks many memory-hungry children is stopped, and the grader goes on."""

from __future__ import annotations

import json
import os
import re

import pytest

from grading.engines.fork_engine import ForkEngine
from grading.forkserver import cgroups
from grading.sandbox import Limits, SandboxConfig
from tests.factories import demo_notebook
from tests.grading import notebooks
from tests.services import unavailable

pytestmark = pytest.mark.engine

MB = 1024 * 1024
# Twelve children of 64 MB each stay under the per-process address-space limit; together they are
# three times the submission's memory.
HUNGRY = """
import os, time
children = []
for _ in range(12):
    pid = os.fork()
    if pid == 0:
        block = bytearray(64 * 1024 * 1024)
        time.sleep(1)
        os._exit(0)
    children.append(pid)
survivors = 0
for pid in children:
    _, status = os.waitpid(pid, 0)
    survivors += os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
print("SURVIVORS", survivors)
"""


def test_children_together_cannot_exceed_the_submission_memory():
    if os.geteuid() != 0 or not cgroups.prepare(0, memory_bytes=256 * MB, processes=64):
        unavailable("cgroups need root and a writable /sys/fs/cgroup")
    engine = ForkEngine(
        limits=Limits(notebook_seconds=60, cell_seconds=20, memory_bytes=256 * MB),
        sandbox_config=SandboxConfig(),
    )
    result = engine.grade(
        source=demo_notebook(), submission=notebooks.with_solution("import html\n" + HUNGRY)
    )
    assert result.status == "graded", result.error
    outputs = json.dumps(
        [
            c.get("outputs")
            for c in result.graded_notebook["cells"]
            if c["metadata"].get("nbgrader", {}).get("grade_id") == "link"
        ]
    )
    survived = [int(n) for n in re.findall(r"SURVIVORS (\d+)", outputs)]
    # Either the child running the cells was stopped too, or at most what fits in 256 MB survived.
    assert survived == [] or survived[0] * 64 <= 256
    good = engine.grade(source=demo_notebook(), submission=notebooks.solved())
    assert good.score == 5.0
