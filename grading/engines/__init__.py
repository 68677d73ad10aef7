"""Grading engines: turn an instructor notebook and a submitted notebook into scores and feedback.

The engine in use is named by the `GRADING_ENGINE` setting; `GRADING_ENGINES` maps names to classes, so
a deployment can add its own (for example one that grades on a remote cluster) without touching the
pipeline. Engines are plain Python: no Django models, so `manage.py grade` and the benchmark use them
as they are."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from django.conf import settings
from django.utils.module_loading import import_string


class NotebookError(ValueError):
    """The notebook cannot be graded (not JSON, not nbformat 4, no nbgrader metadata...)."""


@dataclass
class CellResult:
    grade_id: str
    score: float
    max_score: float
    kind: str = "test"  # "test" (autograded code), "solution" (manually graded answer), "task"
    needs_manual_grade: bool = False


@dataclass
class GradeResult:
    status: str  # "graded" | "error"
    score: float = 0.0
    max_score: float = 0.0
    cells: list[CellResult] = field(default_factory=list)
    error: str | None = None
    feedback_html: str = ""
    engine: str = ""
    graded_notebook: dict | None = None
    # Tamper flags: [{"cell": grade_id, "line": n, "reason": text, ...}], see grading.tamper; the
    # contract carries those three keys (a flag may hold more: "rule", "code").
    flags: list[dict] = field(default_factory=list)
    # Test cells the engine had to run in the learner's own process (the fork engine's fallback).
    in_process: list[str] = field(default_factory=list)

    def as_contract(self) -> dict:
        """The JSON object `manage.py grade --json` prints (see DESIGN.md, "Grading contract")."""
        return {
            "status": self.status,
            "score": float(self.score),
            "max_score": float(self.max_score),
            "cells": [
                {"grade_id": c.grade_id, "score": float(c.score), "max_score": float(c.max_score)}
                for c in self.cells
            ],
            "error": self.error,
            "flags": [
                {"cell": flag["cell"], "line": int(flag["line"]), "reason": str(flag["reason"])}
                for flag in self.flags
            ],
        }

    def as_dict(self) -> dict:
        return asdict(self)


class Engine:
    """Grades one submission against an instructor notebook."""

    name = "base"

    def grade(
        self,
        *,
        source: bytes,
        submission: bytes,
        files: dict[str, bytes] | None = None,
        feedback: bool = True,
        language: str | None = None,
    ) -> GradeResult:
        """Grade *submission* against the instructor notebook *source*, whose release was made for
        *language* (see `release`)."""
        raise NotImplementedError

    def release(self, *, source: bytes, language: str | None = None) -> tuple[bytes, list[dict], float]:
        """The student version of *source*, its graded cells and the maximum score. Solutions are
        replaced by the stubs of *language* (`grading.engines.stubs`: «# ВАШ КОД ЗДЕСЬ» for `"ru"`,
        nbgrader's English ones for `None`); grading must be given the same language."""
        raise NotImplementedError

    def warm(self) -> None:
        """Start now what the first grading in this process would otherwise wait for (nothing by
        default). A grading worker's pool process calls it when it starts (`grading.worker`)."""

    def run_cells(self, nb, *, limits, config):
        """Run *nb*'s code cells as a learner's cells run in this engine's sandbox and return the notebook
        with their outputs (raises `grading.sandbox.SandboxError`). The grading worker's self-test runs its
        probe through this, so it checks the very sandbox that will grade."""
        from grading import sandbox

        return sandbox.run_notebook(nb, limits=limits, config=config)


def engine_names() -> list[str]:
    return sorted(settings.GRADING_ENGINES)


def get_engine(name: str | None = None) -> Engine:
    """The engine called *name*, or the configured default."""
    name = name or settings.GRADING_ENGINE
    try:
        path = settings.GRADING_ENGINES[name]
    except KeyError:
        raise ValueError(f"unknown grading engine {name!r}; known: {', '.join(engine_names())}") from None
    return import_string(path)()
