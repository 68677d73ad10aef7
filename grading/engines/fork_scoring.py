"""nbgrader's autograde bookkeeping without a gradebook database, for the fork engine.

`nbgrader autograde` sanitises a submission against the gradebook (`OverwriteCells` restores locked
cells, checksums and points from the source cells `generate_assignment` recorded) and scores it with
`SaveAutoGrades` (`nbgrader.utils.determine_grade` per grade cell). Filling and querying an SQLite
gradebook costs most of a second per submission, more than running the student's code; so the source
cells are recorded once per instructor notebook (with nbgrader's own generate preprocessors, by the
reference engine) and kept in memory, and the same nbgrader preprocessors and functions run against
that record. Scores therefore equal the reference engine's."""

from __future__ import annotations

import functools
import hashlib
import tempfile
import threading
from collections import OrderedDict
from dataclasses import dataclass, field

from nbformat import NotebookNode

from . import CellResult
from .nbgrader_engine import ASSIGNMENT_ID, NOTEBOOK_ID, NbgraderEngine, _new_gradebook, _preprocess

CACHE_SIZE = 64


@dataclass(frozen=True)
class SourceCell:
    """What the gradebook keeps of a source cell (the attributes `OverwriteCells` reads)."""

    name: str
    cell_type: str
    source: str
    checksum: str | None
    locked: bool
    max_score: float | None = None


@dataclass
class Prepared:
    """An instructor notebook as `generate_assignment` recorded it."""

    cells: list[dict]
    source_cells: dict[str, SourceCell] = field(default_factory=dict)
    kernelspec: dict | None = None

    @property
    def max_score(self) -> float:
        return sum(c["max_score"] for c in self.cells)


class _Book:
    """The part of `nbgrader.api.Gradebook` that `OverwriteCells` uses, answered from a `Prepared`."""

    def __init__(self, prepared: Prepared) -> None:
        self.prepared = prepared

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        pass

    def find_source_cell(self, name: str, notebook: str, assignment: str) -> SourceCell:
        from nbgrader.api import MissingEntry

        try:
            return self.prepared.source_cells[name]
        except KeyError:
            raise MissingEntry() from None

    def find_graded_cell(self, name: str, notebook: str, assignment: str) -> SourceCell:
        cell = self.find_source_cell(name, notebook, assignment)
        if cell.max_score is None:
            from nbgrader.api import MissingEntry

            raise MissingEntry()
        return cell


_cache: OrderedDict[str, Prepared] = OrderedDict()
_cache_lock = threading.Lock()


def _key(source: bytes, language: str | None) -> str:
    return f"{language or ''}:{hashlib.sha256(source).hexdigest()}"


def recorded(source: bytes, *, language: str | None = None) -> Prepared | None:
    """The record of *source* for *language* when `prepare` has made it already, else None: a grading
    of a known instructor notebook need not parse it again."""
    key = _key(source, language)
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    return None


def prepare(source_nb: NotebookNode, source: bytes, *, language: str | None = None) -> Prepared:
    """The record of *source* released for *language* (computed once per instructor notebook and
    language, then kept: the stubs, and so the checksums of answer cells, depend on the language)."""
    known = recorded(source, language=language)
    if known is not None:
        return known
    key = _key(source, language)
    prepared = _record(source_nb, language)
    with _cache_lock:
        _cache[key] = prepared
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return prepared


def _record(source_nb: NotebookNode, language: str | None) -> Prepared:
    import json

    from nbgrader.api import Gradebook

    engine = NbgraderEngine()
    with tempfile.TemporaryDirectory(prefix="itl-prepare-") as tmp:
        db_url = _new_gradebook(tmp)
        engine._generate(source_nb, db_url, tmp, language=language)
        cells = engine._cells(db_url)
        with Gradebook(db_url) as gb:
            notebook = gb.find_notebook(NOTEBOOK_ID, ASSIGNMENT_ID)
            points = {c.name: float(c.max_score) for c in notebook.grade_cells}
            points.update({c.name: float(c.max_score) for c in notebook.task_cells})
            source_cells = {
                c.name: SourceCell(
                    c.name, c.cell_type, c.source, c.checksum, bool(c.locked), points.get(c.name)
                )
                for c in notebook.source_cells
            }
            kernelspec = json.loads(notebook.kernelspec) if notebook.kernelspec else None
    return Prepared(cells=cells, source_cells=source_cells, kernelspec=kernelspec)


def _resources() -> dict:
    return {"nbgrader": {"notebook": NOTEBOOK_ID, "assignment": ASSIGNMENT_ID}, "unique_key": NOTEBOOK_ID}


def sanitize(nb: NotebookNode, prepared: Prepared) -> NotebookNode:
    """The submission as `nbgrader autograde` runs it: outputs cleared, duplicate ids dropped, the
    kernelspec, locked and test cells (hidden tests included) restored from the source."""
    from nbgrader.preprocessors import ClearOutput, DeduplicateIds, OverwriteCells
    from nbgrader.preprocessors.base import NbGraderPreprocessor

    class MemoryOverwriteCells(OverwriteCells):
        def preprocess(self, nb, resources):
            self.notebook_id, self.assignment_id = NOTEBOOK_ID, ASSIGNMENT_ID
            self.gradebook = _Book(prepared)
            return NbGraderPreprocessor.preprocess(self, nb, resources)

    if prepared.kernelspec:
        nb.metadata["kernelspec"] = prepared.kernelspec
    nb, _ = _preprocess(
        [ClearOutput, DeduplicateIds, MemoryOverwriteCells, _check_cell_metadata()], nb, _resources()
    )
    return nb


def score(nb: NotebookNode, prepared: Prepared) -> tuple[NotebookNode, list[CellResult]]:
    """The executed notebook as nbgrader keeps it (ignored stderr patterns, output limits) and each
    graded cell's result as `SaveAutoGrades` would record it."""
    from nbgrader import utils
    from nbgrader.preprocessors import IgnorePattern, LimitOutput

    nb, _ = _preprocess([IgnorePattern, LimitOutput], nb, _resources())
    auto: dict[str, float | None] = {}
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if utils.is_grade(cell) and grade_id in prepared.source_cells:
            auto[grade_id] = utils.determine_grade(cell)[0]
    results = []
    for cell in prepared.cells:
        value = auto.get(cell["grade_id"])
        results.append(
            CellResult(
                grade_id=cell["grade_id"],
                score=float(value) if value is not None else 0.0,
                max_score=cell["max_score"],
                kind=cell["kind"],
                needs_manual_grade=value is None and (cell["grade_id"] in auto or cell["kind"] != "test"),
            )
        )
    return nb, results


@functools.cache
def _check_cell_metadata():
    """nbgrader's `CheckCellMetadata` with the metadata schema compiled once: `jsonschema.validate`
    re-checks the schema itself on every cell, a quarter of a second per notebook."""
    import jsonschema
    from nbgrader.nbgraderformat import SchemaTooNewError, SchemaTooOldError, ValidationError
    from nbgrader.nbgraderformat.common import BaseMetadataValidator
    from nbgrader.nbgraderformat.v3 import MetadataValidatorV3
    from nbgrader.preprocessors import CheckCellMetadata

    class CompiledSchema(BaseMetadataValidator):
        def validate_cell(self, cell) -> None:
            if "nbgrader" not in cell.metadata:
                return
            version = cell.metadata["nbgrader"].get("schema_version", 0)
            if version < self.schema_version:
                raise SchemaTooOldError(
                    f"Outdated schema version: {version} (expected {self.schema_version})",
                    version,
                    self.schema_version,
                )
            if version > self.schema_version:
                raise SchemaTooNewError(
                    f"Schema version is too new: {version} (expected {self.schema_version})",
                    version,
                    self.schema_version,
                )
            error = jsonschema.exceptions.best_match(_compiled(self).iter_errors(cell.metadata["nbgrader"]))
            if error is not None:
                raise error

    class Validator(MetadataValidatorV3, CompiledSchema):
        pass

    compiled = {}

    def _compiled(validator):
        if "v" not in compiled:
            cls = jsonschema.validators.validator_for(validator.schema)
            cls.check_schema(validator.schema)
            compiled["v"] = cls(validator.schema)
        return compiled["v"]

    class FastCheckCellMetadata(CheckCellMetadata):
        def preprocess(self, nb, resources):
            try:
                Validator().validate_nb(nb)
            except ValidationError:
                raise ValidationError(
                    "Notebook failed to validate; the nbgrader metadata may be corrupted."
                ) from None
            return nb, resources

    return FastCheckCellMetadata
