"""The fork engine: nbgrader's scoring, with student code run by a pre-warmed fork server.

The reference engine starts a Jupyter kernel in a new sandbox for every submission and keeps an SQLite
gradebook for it; that is nearly all of its time. This engine sanitises and scores the submission with
the same nbgrader preprocessors and functions against an in-memory record of the instructor notebook
(`fork_scoring`), and executes it in a child of a zygote that has IPython already imported
(`grading.forkserver`): the child confines itself exactly as the sandbox does (namespaces, per-slot
uid, hidden directories, read-only installation, rlimits, no file descriptors of the grader's) and
produces the outputs a kernel would, so `nbgrader.utils.determine_grade` scores each cell as it does
for the reference engine."""

from __future__ import annotations

import json

from . import CellResult, Engine, GradeResult, NotebookError, fork_scoring
from .nbgrader_engine import (
    NbgraderEngine,
    _require_nbgrader_metadata,
    read_notebook,
    refused_by_nbgrader,
    render_feedback,
)


class ForkEngine(Engine):
    name = "fork"

    def __init__(self, *, limits=None, sandbox_config=None) -> None:
        self.limits = limits
        self.sandbox_config = sandbox_config

    def release(self, *, source: bytes, language: str | None = None) -> tuple[bytes, list[dict], float]:
        return NbgraderEngine().release(source=source, language=language)

    def warm(self) -> None:
        """Start this process's zygote: its imports (numpy, pandas, matplotlib) take seconds, which the
        first submission would otherwise wait for."""
        from grading import sandbox
        from grading.forkserver import client

        client.zygote(
            self.sandbox_config or sandbox.SandboxConfig.from_settings_or_default(),
            self.limits or sandbox.Limits.from_settings_or_default(),
        )

    def run_cells(self, nb, *, limits, config):
        from grading.forkserver import client

        return client.run_notebook(nb, limits=limits, config=config).notebook

    def grade(
        self,
        *,
        source: bytes,
        submission: bytes,
        files: dict[str, bytes] | None = None,
        feedback: bool = True,
        language: str | None = None,
    ) -> GradeResult:
        from grading import sandbox
        from grading.forkserver import client

        # An instructor notebook recorded before was valid: it is parsed and checked only the first time.
        prepared = fork_scoring.recorded(source, language=language)
        try:
            if prepared is None:
                source_nb = read_notebook(source, instructor=True)
                _require_nbgrader_metadata(source_nb)
            submitted_nb = read_notebook(submission)
        except NotebookError as exc:
            return GradeResult(status="error", error=str(exc), engine=self.name)
        try:
            if prepared is None:
                prepared = fork_scoring.prepare(source_nb, source, language=language)
            sanitized = fork_scoring.sanitize(submitted_nb, prepared)
        except Exception as exc:  # noqa: BLE001 - nbgrader's validation errors are varied
            return refused_by_nbgrader(exc, engine=self.name)
        try:
            executed = client.run_notebook(
                sanitized,
                files=files,
                limits=self.limits or sandbox.Limits.from_settings_or_default(),
                config=self.sandbox_config or sandbox.SandboxConfig.from_settings_or_default(),
            )
        except sandbox.SandboxError as exc:
            return GradeResult(
                status="error",
                error=sandbox.learner_message(exc),
                max_score=prepared.max_score,
                cells=[CellResult(c["grade_id"], 0.0, c["max_score"], c["kind"]) for c in prepared.cells],
                engine=self.name,
            )
        graded, results = fork_scoring.score(executed.notebook, prepared)
        graded_dict = json.loads(json.dumps(graded))
        total = sum(r.score for r in results)
        html = (
            render_feedback(
                graded_dict,
                scores={r.grade_id: r.score for r in results},
                score=total,
                max_score=prepared.max_score,
            )
            if feedback
            else ""
        )
        return GradeResult(
            status="graded",
            score=total,
            max_score=prepared.max_score,
            cells=results,
            feedback_html=html,
            engine=self.name,
            graded_notebook=graded_dict,
            flags=executed.flags,
            in_process=executed.in_process,
        )
