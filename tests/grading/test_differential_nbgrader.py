"""Differential: each of the platform's engines (nbgrader as a library with code in the sandbox; the
fork engine) gives exactly the scores of plain `nbgrader generate_assignment` + `nbgrader autograde` —
through `manage.py grade` on the notebooks nbgrader ships, and on numpy, pandas and matplotlib
exercises — except where a submission forges a pass through numpy that fools nbgrader but not the fork
engine (a deliberate difference, docs/grading.md). nbgrader's own answers come from
`tests/grading/reference.py`: stored, with a few pairs graded live on every run.
"""

from __future__ import annotations

import json
import re
from io import StringIO
from pathlib import Path

import nbgrader
import pytest
from django.core.management import call_command

from grading.engines import GradeResult, get_engine
from tests.grading import engine_features, reference

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


PAIR_IDS = [f"{s.parent.name}/{s.name}~{u.parent.parent.name}/{u.name}" for s, u in PAIRS]


def _grade(source: Path, submission: Path, engine: str) -> dict:
    out = StringIO()
    call_command("grade", str(source), str(submission), "--json", "--engine", engine, stdout=out)
    return json.loads(out.getvalue())


def _reference(source: Path, submission: Path) -> dict:
    label = PAIR_IDS[PAIRS.index((source, submission))]
    return reference.reference_grade(source.read_bytes(), submission.read_bytes(), label=label)


@pytest.mark.parametrize("engine", ["nbgrader", "fork"])
@pytest.mark.parametrize(
    ("source", "submission"),
    PAIRS,
    ids=PAIR_IDS,
)
def test_scores_equal_nbgrader_autograde(source, submission, engine):
    """Every cell score and the total equal what the nbgrader command line gives for the same pair."""
    assert source.exists()
    assert submission.exists()
    ours = _grade(source, submission, engine)
    nbgrader_says = _reference(source, submission)
    assert nbgrader_says["status"] == "graded", nbgrader_says["error"]
    assert ours["status"] == "graded", ours["error"]
    assert ours["cells"] == nbgrader_says["cells"]
    assert (ours["score"], ours["max_score"]) == (nbgrader_says["score"], nbgrader_says["max_score"])


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


_science_results: dict[tuple[str, str], GradeResult] = {}


def _science_pair(variant: str) -> tuple[bytes, bytes]:
    return engine_features.science_notebook(), engine_features.science_notebook(SCIENCE[variant])


def _science_graded(engine: str, variant: str) -> GradeResult:
    """The variant graded by the engine, with feedback: once per test run, for the scores and the
    figures alike (the solved variant's submission is the instructor notebook itself)."""
    if (engine, variant) not in _science_results:
        source, submission = _science_pair(variant)
        _science_results[engine, variant] = get_engine(engine).grade(source=source, submission=submission)
    return _science_results[engine, variant]


def _science_reference(variant: str) -> dict:
    return reference.reference_grade(*_science_pair(variant), label=f"science/{variant}")


@pytest.mark.parametrize("engine", ["nbgrader", "fork"])
@pytest.mark.parametrize("variant", list(SCIENCE))
def test_numpy_pandas_matplotlib_scores_equal_nbgrader_autograde(variant, engine):
    """Arrays compared with `np.testing` and `==`, numpy scalars and pandas frames returned by the
    learner's functions, figures: every cell as the nbgrader command line scores it; the forgeries that
    fool it (an array whose `==` is always true, `np.testing`/`pd.testing` assertions replaced by no-ops)
    score 0 with the fork engine."""
    ours = _science_graded(engine, variant).as_contract()
    nbgrader_says = _science_reference(variant)
    assert nbgrader_says["status"] == "graded", nbgrader_says["error"]
    assert ours["status"] == "graded", ours["error"]
    expected = {c["grade_id"]: c for c in nbgrader_says["cells"]}
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
    result = _science_graded(engine, "solved")
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


def _every_pair() -> dict[str, tuple[bytes, bytes]]:
    """Every pair the tests above compare with nbgrader, by its label in the stored answers."""
    pairs = {
        label: (source.read_bytes(), submission.read_bytes())
        for label, (source, submission) in zip(PAIR_IDS, PAIRS, strict=True)
    }
    return pairs | {f"science/{variant}": _science_pair(variant) for variant in SCIENCE}


# Graded live by nbgrader on every run and compared with the stored answers: a shipped notebook with a
# cheat attempt, and the numpy forgery that fools nbgrader (the pairs most likely to score otherwise
# under other versions).
LIVE = [PAIR_IDS[2], "science/forge_equal"]


@pytest.mark.parametrize("label", LIVE)
def test_nbgrader_today_gives_the_stored_answers(label):
    """nbgrader, run now, scores the pair exactly as the stored answer the other differential tests
    compared with (or as its first live run did, when `REFERENCE_GRADES` asks for live answers)."""
    source, submission = _every_pair()[label]
    assert reference.live_grade(source, submission) == reference.reference_grade(
        source, submission, label=label
    )


def test_every_pair_has_a_stored_answer_under_todays_versions():
    """Every pair above has nbgrader's answer stored under today's versions of nbgrader, Jupyter and the
    science libraries, so that CI runs nbgrader itself only for the live check; if this fails, run
    `make reference-grades` and keep the rewritten tests/grading/nbgrader_reference.json."""
    assert reference.stale_reason() is None, f"{reference.stale_reason()}: run `make reference-grades`"
    missing = [label for label, pair in _every_pair().items() if reference.stored_result(*pair) is None]
    assert not missing, f"no stored answer for {missing}: run `make reference-grades`"
