"""Builders of notebooks for the grading tests: solved, starter, hostile and broken variants."""

from __future__ import annotations

import json

import nbformat

from tests.factories import demo_notebook


def load(name: str = "web_html_functions") -> nbformat.NotebookNode:
    return nbformat.reads(demo_notebook(name).decode(), as_version=4)


def dumps(nb) -> bytes:
    return nbformat.writes(nb).encode()


def with_solution(code: str, *, grade_id: str = "link", name: str = "web_html_functions") -> bytes:
    """The instructor notebook with one solution cell replaced by *code* (other solutions kept)."""
    nb = load(name)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id:
            cell.source = code
    return dumps(nb)


def solved(name: str = "web_html_functions") -> bytes:
    return demo_notebook(name)


def raw_json(obj) -> bytes:
    return json.dumps(obj).encode()


def solution_cell(source: str, grade_id: str) -> nbformat.NotebookNode:
    """A code cell the learner answers in (nbgrader's "Autograded answer"); its cell id is its grade id, so
    the same cells make the same notebook bytes every time."""
    cell = nbformat.v4.new_code_cell(source, id=grade_id)
    cell.metadata["nbgrader"] = {
        "grade": False,
        "solution": True,
        "locked": False,
        "grade_id": grade_id,
        "schema_version": 3,
    }
    return cell


def autograder_cell(source: str, grade_id: str, points: float = 1) -> nbformat.NotebookNode:
    """A locked code cell of tests worth *points* (nbgrader's "Autograder tests"), with its grade id as its
    cell id."""
    cell = nbformat.v4.new_code_cell(source, id=grade_id)
    cell.metadata["nbgrader"] = {
        "grade": True,
        "solution": False,
        "locked": True,
        "points": points,
        "grade_id": grade_id,
        "schema_version": 3,
    }
    return cell


def python_notebook(cells: list[nbformat.NotebookNode]) -> bytes:
    """An instructor notebook of *cells* for the Python 3 kernel."""
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return dumps(nb)


def plain() -> bytes:
    """A valid notebook with no nbgrader metadata at all."""
    return dumps(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")]))
