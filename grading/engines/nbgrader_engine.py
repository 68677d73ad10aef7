"""The reference engine: nbgrader's own preprocessors called as a library, student code in the sandbox.

For each submission, a throw-away nbgrader gradebook (SQLite in a private temporary directory of this
process, never visible to the sandbox) is filled from the instructor notebook exactly as
`nbgrader generate_assignment` would (checksums, locked cells, hidden tests); the submission is
sanitised exactly as `nbgrader autograde` does it (outputs cleared, duplicate ids dropped, kernelspec,
locked and test cells restored from the source); only then is it executed — in `grading.sandbox` — and
the grades saved and read back with nbgrader's SaveAutoGrades, the feedback rendered with its
GetGrades preprocessor and feedback template. Scores therefore equal `nbgrader autograde`'s.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import sys
import tempfile
from pathlib import Path

import nbformat
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from nbformat import NotebookNode

from . import CellResult, Engine, GradeResult, NotebookError
from .stubs import clear_solutions_config

logger = logging.getLogger(__name__)

ASSIGNMENT_ID = "exercise"
NOTEBOOK_ID = "submission"
STUDENT_ID = "student"


def _quiet_log() -> logging.Logger:
    log = logging.getLogger("grading.nbgrader")
    return log


# Whole sentences for each notebook a message can be about, so that every translation reads naturally
# (no "The %(what)s is ..." assembled from fragments).
_READ_ERRORS = {
    "instructor": {
        "not_json": gettext_lazy("The instructor notebook is not a Jupyter notebook: it is not valid JSON."),
        "no_cells": gettext_lazy("The instructor notebook is not a Jupyter notebook: it has no cells."),
        "format": gettext_lazy(
            "The instructor notebook uses notebook format %(format)s; format 4 is required."
        ),
        "invalid": gettext_lazy("The instructor notebook is not a valid Jupyter notebook: %(error)s"),
    },
    "submission": {
        "not_json": gettext_lazy("The uploaded file is not a Jupyter notebook: it is not valid JSON."),
        "no_cells": gettext_lazy("The uploaded file is not a Jupyter notebook: it has no cells."),
        "format": gettext_lazy(
            "The uploaded notebook uses notebook format %(format)s; format 4 is required."
        ),
        "invalid": gettext_lazy("The uploaded file is not a valid Jupyter notebook: %(error)s"),
    },
}


def read_notebook(data: bytes, *, instructor: bool = False) -> NotebookNode:
    """Parse and validate *data* as an nbformat 4 notebook, with a clear error otherwise (about the
    instructor notebook when `instructor`, else about the learner's uploaded notebook)."""
    messages = _READ_ERRORS["instructor" if instructor else "submission"]
    try:
        raw = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        raise NotebookError(str(messages["not_json"])) from None
    if not isinstance(raw, dict) or "cells" not in raw and "worksheets" not in raw:
        raise NotebookError(str(messages["no_cells"]))
    major = raw.get("nbformat")
    if major != 4:
        raise NotebookError(str(messages["format"]) % {"format": repr(major)})
    try:
        # What `nbformat.reads` does for a version 4 notebook (multi-line strings joined, transient
        # metadata dropped), from the JSON already parsed, and validated once.
        nb = nbformat.versions[4].to_notebook_json(raw)
        nbformat.validate(nb)
    except Exception as exc:  # noqa: BLE001 - nbformat raises several types
        raise NotebookError(str(messages["invalid"]) % {"error": str(exc)[:300]}) from None
    return nb


_template_dir: str | None = None


def _new_gradebook(directory: str) -> str:
    """A fresh, empty nbgrader gradebook in *directory*, returned as a database URL.

    nbgrader stamps every new gradebook by running the `alembic` executable (a new interpreter, most
    of a second); this copies one empty gradebook made once per process instead."""
    global _template_dir
    import shutil

    if _template_dir is None or not os.path.exists(os.path.join(_template_dir, "gradebook.db")):
        from nbgrader.api import Gradebook

        template = tempfile.mkdtemp(prefix="itl-gradebook-template-")
        venv_bin = os.path.dirname(sys.executable)
        old_path = os.environ.get("PATH", "")
        os.environ["PATH"] = f"{venv_bin}:{old_path}"
        try:
            Gradebook(f"sqlite:///{os.path.join(template, 'gradebook.db')}").close()
        finally:
            os.environ["PATH"] = old_path
        _template_dir = template
    target = os.path.join(directory, "gradebook.db")
    shutil.copyfile(os.path.join(_template_dir, "gradebook.db"), target)
    return f"sqlite:///{target}"


def _preprocess(preprocessors, nb: NotebookNode, resources: dict, **config) -> tuple[NotebookNode, dict]:
    from traitlets.config import Config

    cfg = Config(config)
    for pp_class in preprocessors:
        pp = pp_class(config=cfg)
        pp.log = _quiet_log()
        nb, resources = pp(nb, resources)
    return nb, resources


class NbgraderEngine(Engine):
    """nbgrader preprocessors in this process, student code in `grading.sandbox`."""

    name = "nbgrader"

    def __init__(self, *, limits=None, sandbox_config=None) -> None:
        self.limits = limits
        self.sandbox_config = sandbox_config

    # -- authoring ------------------------------------------------------------------------------
    def _generate(
        self, source_nb: NotebookNode, db_url: str, path: str, *, language: str | None = None
    ) -> NotebookNode:
        """nbgrader's generate_assignment preprocessors, recording the source cells in the gradebook;
        solutions are replaced by the stubs of *language* (`stubs`)."""
        from nbgrader.api import Gradebook
        from nbgrader.preprocessors import (
            CheckCellMetadata,
            ClearHiddenTests,
            ClearMarkScheme,
            ClearOutput,
            ClearSolutions,
            ComputeChecksums,
            InstantiateTests,
            LockCells,
            SaveCells,
        )

        with Gradebook(db_url) as gb:
            gb.update_or_create_assignment(ASSIGNMENT_ID)
        resources = {
            "nbgrader": {
                "notebook": NOTEBOOK_ID,
                "assignment": ASSIGNMENT_ID,
                "student": ".",
                "db_url": db_url,
            },
            "metadata": {"path": path},
            "unique_key": NOTEBOOK_ID,
        }
        nb, _ = _preprocess(
            [
                InstantiateTests,
                LockCells,
                ClearSolutions,
                ClearOutput,
                CheckCellMetadata,
                ComputeChecksums,
                SaveCells,
                ClearHiddenTests,
                ClearMarkScheme,
                ComputeChecksums,
                CheckCellMetadata,
            ],
            source_nb,
            resources,
            ClearSolutions=clear_solutions_config(language),
        )
        return nb

    def _cells(self, db_url: str) -> list[dict]:
        from nbgrader.api import Gradebook

        with Gradebook(db_url) as gb:
            notebook = gb.find_notebook(NOTEBOOK_ID, ASSIGNMENT_ID)
            solution_ids = {c.name for c in notebook.solution_cells}
            order = [c.name for c in notebook.source_cells]
            cells = []
            for cell in notebook.grade_cells:
                kind = "solution" if cell.name in solution_ids else "test"
                cells.append({"grade_id": cell.name, "max_score": float(cell.max_score), "kind": kind})
            for cell in notebook.task_cells:
                cells.append({"grade_id": cell.name, "max_score": float(cell.max_score), "kind": "task"})
        cells.sort(key=lambda c: order.index(c["grade_id"]) if c["grade_id"] in order else len(order))
        return cells

    def release(self, *, source: bytes, language: str | None = None) -> tuple[bytes, list[dict], float]:
        source_nb = read_notebook(source, instructor=True)
        _require_nbgrader_metadata(source_nb)
        with tempfile.TemporaryDirectory(prefix="itl-release-") as tmp:
            db_url = _new_gradebook(tmp)
            try:
                release_nb = self._generate(source_nb, db_url, tmp, language=language)
            except Exception as exc:  # noqa: BLE001 - nbgrader's validation errors are varied
                raise NotebookError(
                    _("nbgrader cannot generate the student version: %(error)s") % {"error": exc}
                ) from None
            cells = self._cells(db_url)
        if not cells:
            raise NotebookError(_("The instructor notebook has no graded cells (no points to give)."))
        max_score = sum(c["max_score"] for c in cells)
        return nbformat.writes(release_nb).encode(), cells, max_score

    # -- grading --------------------------------------------------------------------------------
    def grade(
        self,
        *,
        source: bytes,
        submission: bytes,
        files: dict[str, bytes] | None = None,
        feedback: bool = True,
        language: str | None = None,
    ) -> GradeResult:
        try:
            source_nb = read_notebook(source, instructor=True)
            _require_nbgrader_metadata(source_nb)
            submitted_nb = read_notebook(submission)
        except NotebookError as exc:
            return GradeResult(status="error", error=str(exc), engine=self.name)
        with tempfile.TemporaryDirectory(prefix="itl-gradebook-") as tmp:
            db_url = _new_gradebook(tmp)
            try:
                self._generate(source_nb, db_url, tmp, language=language)
                cells = self._cells(db_url)
                sanitized = self._sanitize(submitted_nb, db_url)
            except Exception as exc:  # noqa: BLE001
                return refused_by_nbgrader(exc, engine=self.name)
            max_score = sum(c["max_score"] for c in cells)
            from grading import sandbox

            try:
                executed = sandbox.run_notebook(
                    sanitized,
                    files=files,
                    limits=self.limits or sandbox.Limits.from_settings_or_default(),
                    config=self.sandbox_config or sandbox.SandboxConfig.from_settings_or_default(),
                )
            except sandbox.SandboxError as exc:
                return GradeResult(
                    status="error",
                    error=sandbox.learner_message(exc),
                    max_score=max_score,
                    cells=[CellResult(c["grade_id"], 0.0, c["max_score"], c["kind"]) for c in cells],
                    engine=self.name,
                )
            graded, results = self._save_grades(executed, db_url, cells)
            html = (
                self._feedback(nbformat.from_dict(json.loads(json.dumps(graded))), db_url) if feedback else ""
            )
        return GradeResult(
            status="graded",
            score=sum(r.score for r in results),
            max_score=max_score,
            cells=results,
            feedback_html=html,
            engine=self.name,
            graded_notebook=json.loads(json.dumps(graded)),
        )

    def _resources(self, db_url: str) -> dict:
        return {
            "nbgrader": {
                "notebook": NOTEBOOK_ID,
                "assignment": ASSIGNMENT_ID,
                "student": STUDENT_ID,
                "db_url": db_url,
            },
            "unique_key": NOTEBOOK_ID,
        }

    def _sanitize(self, nb: NotebookNode, db_url: str) -> NotebookNode:
        from nbgrader.api import Gradebook
        from nbgrader.preprocessors import (
            CheckCellMetadata,
            ClearOutput,
            DeduplicateIds,
            OverwriteCells,
            OverwriteKernelspec,
        )

        with Gradebook(db_url) as gb:
            gb.update_or_create_student(STUDENT_ID)
            gb.update_or_create_submission(ASSIGNMENT_ID, STUDENT_ID)
        nb, _ = _preprocess(
            [ClearOutput, DeduplicateIds, OverwriteKernelspec, OverwriteCells, CheckCellMetadata],
            nb,
            self._resources(db_url),
        )
        return nb

    def _save_grades(self, nb: NotebookNode, db_url: str, cells: list[dict]):
        from nbgrader.api import Gradebook
        from nbgrader.preprocessors import CheckCellMetadata, IgnorePattern, LimitOutput, SaveAutoGrades

        nb, _ = _preprocess(
            [IgnorePattern, LimitOutput, SaveAutoGrades, CheckCellMetadata], nb, self._resources(db_url)
        )
        kinds = {c["grade_id"]: c["kind"] for c in cells}
        results = []
        with Gradebook(db_url) as gb:
            submission = gb.find_submission_notebook(NOTEBOOK_ID, ASSIGNMENT_ID, STUDENT_ID)
            by_id = {g.name: g for g in submission.grades}
            for cell in cells:
                grade = by_id.get(cell["grade_id"])
                auto = grade.auto_score if grade is not None else None
                results.append(
                    CellResult(
                        grade_id=cell["grade_id"],
                        score=float(grade.score) if grade is not None else 0.0,
                        max_score=cell["max_score"],
                        kind=kinds[cell["grade_id"]],
                        needs_manual_grade=bool(grade is not None and grade.needs_manual_grade)
                        or (auto is None and kinds[cell["grade_id"]] != "test"),
                    )
                )
        return nb, results

    def _feedback(self, nb: NotebookNode, db_url: str) -> str:
        """nbgrader's feedback page for the graded notebook (its GetGrades + feedback template)."""
        from nbgrader.preprocessors import GetGrades

        nb, resources = _preprocess([GetGrades], nb, self._resources(db_url))
        return _render_feedback(nb, resources)


# nbgrader's feedback template with its labels translated (`grading/feedback_templates/lyceum_feedback`).
FEEDBACK_TEMPLATES = Path(__file__).resolve().parent.parent / "feedback_templates"


def feedback_labels() -> dict[str, str]:
    """The labels of the feedback page, in the active language."""
    return {
        "lang": get_language() or "en",
        "notebook": _("Your notebook"),
        "score": _("Score"),
        "test_cell": _("Test cell"),
        "code_answer": _("Answer in code"),
        "written_answer": _("Written answer"),
        "task": _("Task"),
        "comment": _("Comment"),
        "comments": _("Comments"),
        "late_penalty": _("Late submission penalty"),
        "top": _("back to top"),
        "answer": _("Your answer"),
        "student_task": _("Your task"),
        "grade_cell": _("Test cell"),
    }


def _render_feedback(nb: NotebookNode, resources: dict) -> str:
    import nbgrader
    from nbconvert.exporters import HTMLExporter
    from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
    from traitlets.config import Config

    nb, resources = _preprocess([CSSHTMLHeaderPreprocessor], nb, resources)
    resources["labels"] = feedback_labels()
    base = Path(nbgrader.__file__).parent / "server_extensions" / "formgrader"
    cfg = Config()
    cfg.HTMLExporter.template_name = "lyceum_feedback"
    cfg.HTMLExporter.extra_template_basedirs = [str(FEEDBACK_TEMPLATES)]
    cfg.HTMLExporter.extra_template_paths = [
        str(base / "static" / "node_modules" / "bootstrap" / "dist" / "css")
    ]
    exporter = HTMLExporter(config=cfg)
    resources.setdefault("metadata", {})["name"] = NOTEBOOK_ID
    with contextlib.redirect_stdout(io.StringIO()):
        html, _ = exporter.from_notebook_node(nb, resources=resources)
    return html


def render_feedback(
    graded_notebook: dict, *, scores: dict[str, float], score: float, max_score: float
) -> str:
    """nbgrader's feedback page for a graded notebook, with the scores given (they may include a
    teacher's override), labelled in the active language. It shows the notebook as given: a learner's
    page is rendered from `grading.hidden_tests.notebook_for_learner`."""
    from nbgrader import utils

    nb = nbformat.from_dict(json.loads(json.dumps(graded_notebook)))
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        grade_id = meta.get("grade_id")
        if utils.is_grade(cell) or utils.is_task(cell):
            meta["score"] = scores.get(grade_id, 0.0)
        if utils.is_solution(cell) or utils.is_task(cell):
            meta.setdefault("comment", None)
    resources = {"nbgrader": {"score": score, "max_score": max_score, "late_penalty": 0}}
    return _render_feedback(nb, resources)


def refused_by_nbgrader(exc: Exception, *, engine: str) -> GradeResult:
    """The result for a submitted notebook nbgrader's own checks refuse (its graded cells' metadata
    changed, removed or duplicated): a whole translated sentence for the learner, nbgrader's (English)
    reason in the log."""
    logger.warning("nbgrader refused a submitted notebook: %s", exc)
    return GradeResult(
        status="error",
        error=_(
            "The notebook cannot be graded: cells that the exercise grades were changed, removed or "
            "duplicated. Download the exercise again and copy your answers into the new copy."
        ),
        engine=engine,
    )


def _require_nbgrader_metadata(nb: NotebookNode) -> None:
    from nbgrader import utils

    if not any(utils.is_grade(c) or utils.is_solution(c) or utils.is_task(c) for c in nb.cells):
        raise NotebookError(
            _(
                "The instructor notebook has no nbgrader metadata: mark solution and test cells with "
                'nbgrader\'s "Create Assignment" toolbar first.'
            )
        )
