"""Hidden tests stay hidden: what a learner sees of a graded notebook and of a grading error.

nbgrader's hidden tests (`### BEGIN HIDDEN TESTS` … `### END HIDDEN TESTS` in a test cell) are cut
from the release notebook, but grading restores and runs them, so the graded notebook holds their code
— in the cell's source, in the traceback of a failing assertion (IPython quotes the lines around it),
in what a test prints, and in IPython's input history a later cell of the learner can print. A
learner's copy therefore loses all of it, whatever the exercise's test visibility: that setting
governs only the results of the visible tests. Teachers see the notebook as graded.
"""

from __future__ import annotations

import copy

from django.utils.translation import gettext as _

BEGIN = "BEGIN HIDDEN TESTS"
END = "END HIDDEN TESTS"
# Shorter lines (`)`, `]`, `pass`) say nothing about a test and would blank out unrelated output.
_MIN_LINE = 5
# Outputs that are text without a text/ type (images in base64 cannot quote code).
_TEXT_MIMES = {"application/javascript", "image/svg+xml"}


def hidden_regions(source: str) -> list[str]:
    """The lines of *source* inside hidden-test regions (nbgrader's rule: a line containing the
    delimiter opens or closes a region)."""
    lines, inside = [], False
    for line in source.split("\n"):
        if BEGIN in line:
            inside = True
        elif END in line:
            inside = False
        elif inside:
            lines.append(line)
    return lines


def hidden_lines(notebook: dict) -> set[str]:
    """Every line of hidden-test code in *notebook* worth looking for in other text (stripped)."""
    found = set()
    for cell in notebook.get("cells", []):
        for line in hidden_regions(_text(cell.get("source", ""))):
            if len(line.strip()) >= _MIN_LINE:
                found.add(line.strip())
    return found


def redact(text: str, lines: set[str]) -> str:
    """*text* with every line that quotes one of the hidden *lines* (or a delimiter of hidden tests)
    replaced by a notice."""
    if not text or not lines:
        return text
    notice = _("(a line of a hidden test)")
    out = []
    for line in text.split("\n"):
        quotes = BEGIN in line or END in line or any(hidden in line for hidden in lines)
        out.append(notice if quotes else line)
    return "\n".join(out)


def notebook_for_learner(graded_notebook: dict, *, withheld: set[str] = frozenset()) -> dict:
    """A copy of *graded_notebook* fit for the learner: the test cells in *withheld* (the exercise's
    visibility hides their results) reduced to a notice; in the other test cells the hidden tests'
    code replaced by a comment and the outputs by the error, if any, without its traceback (see
    `_errors_only`); and every other output with the lines that quote hidden code blanked out."""
    nb = copy.deepcopy(graded_notebook)
    lines = hidden_lines(nb)
    for cell in nb.get("cells", []):
        meta = cell.get("metadata", {}).get("nbgrader") or {}
        source = _text(cell.get("source", ""))
        if meta.get("grade_id") in withheld and not meta.get("solution"):
            notice = _("This test is hidden.")
            cell["source"] = f"# {notice}" if cell.get("cell_type") == "code" else notice
            if cell.get("cell_type") == "code":
                cell["outputs"] = []
        elif BEGIN in source:
            cell["source"] = _without_hidden_code(source)
            if cell.get("cell_type") == "code":
                cell["outputs"] = _errors_only(cell.get("outputs", []), visible=cell["source"])
        else:
            for output in cell.get("outputs", []):
                _redact_output(output, lines)
    return nb


def _without_hidden_code(source: str) -> str:
    kept, inside = [], False
    for line in source.split("\n"):
        if BEGIN in line:
            inside = True
            indent = line[: len(line) - len(line.lstrip())]
            comment = _("Hidden tests run here when the notebook is graded.")
            kept.append(f"{indent}# {comment}")
        elif END in line:
            inside = False
        elif not inside:
            kept.append(line)
    return "\n".join(kept)


def _errors_only(outputs: list[dict], *, visible: str) -> list[dict]:
    """What a cell with hidden tests may show: the kind of each error, and its message only when the
    learner can read that message in the cell's visible code (a visible test's assertion message). A
    traceback, a print or any other message could quote the hidden code or what it computed."""
    details = _("The details are not shown: this cell holds hidden tests.")
    errors = []
    for output in outputs:
        if output.get("output_type") != "error":
            continue
        name = str(output.get("ename", ""))
        message = _text(output.get("evalue", ""))
        message = message if message.strip() and message in visible else ""
        # nbconvert shows an error by its traceback: the kind and message, then why nothing more.
        headline = f"{name}: {message}" if message else name
        errors.append(
            {"output_type": "error", "ename": name, "evalue": message, "traceback": [headline, details]}
        )
    return errors


def _redact_output(output: dict, lines: set[str]) -> None:
    if not lines:
        return
    for key in ("text", "evalue"):
        if key in output:
            output[key] = redact(_text(output[key]), lines)
    if "traceback" in output:
        output["traceback"] = [redact(str(line), lines) for line in output["traceback"]]
    data = output.get("data")
    if isinstance(data, dict):
        for mime, value in data.items():
            if isinstance(value, (str, list)) and (mime.startswith("text/") or mime in _TEXT_MIMES):
                data[mime] = redact(_text(value), lines)


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value or "")
