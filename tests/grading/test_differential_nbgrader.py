"""Differential: `manage.py grade` with each of the platform's engines (nbgrader as a library with code
in the sandbox; the fork engine) gives exactly the scores of plain `nbgrader generate_assignment` +
`nbgrader autograde` on the notebooks nbgrader ships, and on numpy, pandas and matplotlib exercises —
except where a submission forges a pass through numpy that fools nbgrader but not the fork engine (a
deliberate difference, docs/grading.md)."""

from __future__ import annotations

import json
import re
from io import StringIO
from pathlib import Path

import nbgrader
import pytest
from django.core.management import call_command

from grading.engines import get_engine
from tests.grading import engine_features

pytestmark = pytest.mark.engine

NBGRADER = Path(nbgrader.__file__).parent
FILES = NBGRADER / "tests" / "apps" / "files"
GUIDE = NBGRADER / "docs" / "source" / "user_guide"

PAIRS = [
    (FILES / "submitted-unchanged.ipynb", FILES / "submitted-unchanged.ipynb"),
    (FILES / "submitted-unchanged.ipynb", FILES / "submitted-changed.ipynb"),
    (FILES / "submitted-unchanged.ipynb", FILES / "submitted-cheat-attempt.ipynb"),
    (FILES / "submitted-unchanged.ipynb", FILES / "submitted-cheat-attempt-alternative.ipynb"),
    (FILES / "submitted-unchanged.ipynb", FILES / "submitted-locked-cell-changed.ipynb"),
    (FILES / "submitted-unchanged.ipynb", FILES / "submitted-grade-cell-changed.ipynb"),
    (FILES / "test.ipynb", FILES / "test.ipynb"),
    (
        GUIDE / "source" / "ps1" / "problem1.ipynb",
        GUIDE / "submitted" / "bitdiddle" / "ps1" / "problem1.ipynb",
    ),
    (GUIDE / "source" / "ps1" / "problem1.ipynb", GUIDE / "submitted" / "hacker" / "ps1" / "problem1.ipynb"),
    (
        GUIDE / "source" / "ps1" / "problem2.ipynb",
        GUIDE / "submitted" / "bitdiddle" / "ps1" / "problem2.ipynb",
    ),
    (GUIDE / "source" / "ps1" / "problem2.ipynb", GUIDE / "submitted" / "hacker" / "ps1" / "problem2.ipynb"),
]


_reference: dict[tuple[bytes, bytes], dict] = {}


def _grade(source: Path, submission: Path, engine: str) -> dict:
    key = (source.read_bytes(), submission.read_bytes())
    if engine == "nbgrader-cli" and key in _reference:
        return _reference[key]
    out = StringIO()
    call_command("grade", str(source), str(submission), "--json", "--engine", engine, stdout=out)
    result = json.loads(out.getvalue())
    if engine == "nbgrader-cli":
        _reference[key] = result
    return result


@pytest.mark.parametrize("engine", ["nbgrader", "fork"])
@pytest.mark.parametrize(
    ("source", "submission"),
    PAIRS,
    ids=[f"{s.parent.name}/{s.name}~{u.parent.parent.name}/{u.name}" for s, u in PAIRS],
)
def test_scores_equal_nbgrader_autograde(source, submission, engine):
    """Every cell score and the total equal what the nbgrader command line gives for the same pair."""
    assert source.exists()
    assert submission.exists()
    ours = _grade(source, submission, engine)
    reference = _grade(source, submission, "nbgrader-cli")
    assert reference["status"] == "graded", reference["error"]
    assert ours["status"] == "graded", ours["error"]
    assert ours["cells"] == reference["cells"]
    assert (ours["score"], ours["max_score"]) == (reference["score"], reference["max_score"])


SCIENCE = {
    "solved": None,
    "wrong": engine_features.SCIENCE_WRONG,
    "forge_equal": engine_features.SCIENCE_FORGE_EQUAL,
    "forge_patch": engine_features.SCIENCE_FORGE_PATCH,
}
# The test cells where nbgrader gives the forgery full marks and the fork engine, which compares in its
# own process (plain data, its own numpy and pandas), does not.
FOOLED = {
    "forge_equal": {"s_allclose", "s_all_equal", "s_array"},
    "forge_patch": {"s_allclose", "s_frame_equal"},
}


@pytest.mark.parametrize("engine", ["nbgrader", "fork"])
@pytest.mark.parametrize("variant", list(SCIENCE))
def test_numpy_pandas_matplotlib_scores_equal_nbgrader_autograde(variant, engine, tmp_path):
    """Arrays compared with `np.testing` and `==`, numpy scalars and pandas frames returned by the
    learner's functions, figures: every cell as the nbgrader command line scores it; the forgeries that
    fool it (an array whose `==` is always true, `np.testing`/`pd.testing` assertions replaced by no-ops)
    score 0 with the fork engine."""
    source, submission = tmp_path / "source.ipynb", tmp_path / "submission.ipynb"
    source.write_bytes(engine_features.science_notebook())
    submission.write_bytes(engine_features.science_notebook(SCIENCE[variant]))
    ours = _grade(source, submission, engine)
    reference = _grade(source, submission, "nbgrader-cli")
    assert reference["status"] == "graded", reference["error"]
    assert ours["status"] == "graded", ours["error"]
    expected = {c["grade_id"]: c for c in reference["cells"]}
    assert [c["grade_id"] for c in ours["cells"]] == list(expected)
    fooled = FOOLED.get(variant, set()) if engine == "fork" else set()
    for cell in ours["cells"]:
        if cell["grade_id"] in fooled:
            assert expected[cell["grade_id"]]["score"] == cell["max_score"] > 0, (
                "nbgrader is no longer fooled"
            )
            assert cell["score"] == 0, cell["grade_id"]
        else:
            assert cell == expected[cell["grade_id"]]
    if variant == "solved":
        assert ours["score"] == ours["max_score"] == len(engine_features.SCIENCE)


@pytest.mark.parametrize("engine", ["nbgrader", "fork"])
def test_figures_appear_in_feedback(engine):
    """The learner's `plt.show()`, a test's own figure and one a learner's function drew during a test
    all appear in the feedback as PNG images, with no matplotlib message in any output."""
    source = engine_features.science_notebook()
    result = get_engine(engine).grade(source=source, submission=source, feedback=True)
    assert result.status == "graded", result.error
    images = {}
    for cell in result.graded_notebook["cells"]:
        grade_id = cell["metadata"].get("nbgrader", {}).get("grade_id")
        for output in cell.get("outputs", []):
            assert output["output_type"] != "stream" or "atplotlib" not in output["text"], output
            if "image/png" in output.get("data", {}):
                images[grade_id] = output["data"]["image/png"]
    assert set(images) == {"figure", "s_figure", "s_learner_figure"}
    pngs = re.findall(r'<img[^>]*src="data:image/png;base64,([^"]+)"', result.feedback_html)
    assert len(pngs) == 3
    assert all(png.startswith("iVBORw0KGgo") for png in pngs)
