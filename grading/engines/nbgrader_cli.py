"""Plain `nbgrader generate_assignment` + `nbgrader autograde` through the command line, in a throw-away
course directory. This is how nbgrader grades out of the box — student code with the grader's rights,
a new interpreter per command — kept as the yardstick the reference engine is compared with (tests,
benchmark). Never configure it for untrusted submissions."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from . import CellResult, Engine, GradeResult
from .nbgrader_engine import ASSIGNMENT_ID, NOTEBOOK_ID, STUDENT_ID, NbgraderEngine
from .stubs import nbgrader_config_lines


def _nbgrader(args: list[str], cwd: str, timeout: float) -> subprocess.CompletedProcess:
    venv_bin = os.path.dirname(sys.executable)
    env = {**os.environ, "PATH": f"{venv_bin}:{os.environ.get('PATH', '/usr/bin:/bin')}"}
    return subprocess.run(
        [sys.executable, "-m", "nbgrader", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


class NbgraderCliEngine(Engine):
    name = "nbgrader-cli"

    def release(self, *, source: bytes, language: str | None = None):
        return NbgraderEngine().release(source=source, language=language)

    def grade(
        self,
        *,
        source: bytes,
        submission: bytes,
        files=None,
        feedback: bool = True,
        language: str | None = None,
    ) -> GradeResult:
        from nbgrader.api import Gradebook

        with tempfile.TemporaryDirectory(prefix="itl-nbgrader-cli-") as course:
            root = Path(course)
            src_dir = root / "source" / ASSIGNMENT_ID
            sub_dir = root / "submitted" / STUDENT_ID / ASSIGNMENT_ID
            src_dir.mkdir(parents=True)
            sub_dir.mkdir(parents=True)
            (src_dir / f"{NOTEBOOK_ID}.ipynb").write_bytes(source)
            (sub_dir / f"{NOTEBOOK_ID}.ipynb").write_bytes(submission)
            for name, data in (files or {}).items():
                (src_dir / name).write_bytes(data)
            # The stubs of the exercise's language, as the platform's engines release and grade with them.
            (root / "nbgrader_config.py").write_text(
                f"c = get_config()\nc.CourseDirectory.root = {course!r}\n" + nbgrader_config_lines(language),
                encoding="utf-8",
            )
            db = f"sqlite:///{root / 'gradebook.db'}"
            done = _nbgrader(["generate_assignment", ASSIGNMENT_ID, "--force", f"--db={db}"], course, 600)
            if done.returncode != 0:
                return GradeResult(status="error", error=done.stderr[-2000:], engine=self.name)
            done = _nbgrader(["autograde", ASSIGNMENT_ID, "--force", f"--db={db}"], course, 600)
            if done.returncode != 0:
                return GradeResult(status="error", error=done.stderr[-2000:], engine=self.name)
            with Gradebook(db) as gb:
                notebook = gb.find_submission_notebook(NOTEBOOK_ID, ASSIGNMENT_ID, STUDENT_ID)
                solution_ids = {c.name for c in gb.find_notebook(NOTEBOOK_ID, ASSIGNMENT_ID).solution_cells}
                order = [c.name for c in gb.find_notebook(NOTEBOOK_ID, ASSIGNMENT_ID).source_cells]
                cells = [
                    CellResult(
                        grade_id=g.name,
                        score=float(g.score),
                        max_score=float(g.max_score),
                        kind="solution" if g.name in solution_ids else "test",
                        needs_manual_grade=bool(g.needs_manual_grade),
                    )
                    for g in notebook.grades
                ]
                cells.sort(key=lambda c: order.index(c.grade_id) if c.grade_id in order else len(order))
                return GradeResult(
                    status="graded",
                    score=float(notebook.score),
                    max_score=float(notebook.max_score),
                    cells=cells,
                    engine=self.name,
                )
