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


def plain() -> bytes:
    """A valid notebook with no nbgrader metadata at all."""
    return dumps(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")]))
