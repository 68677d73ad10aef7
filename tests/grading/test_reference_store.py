"""nbgrader's stored answers for the differential tests (`tests/grading/reference.py`): used only for the
same pair and language under the same versions; anything else is graded live, and recording writes what
was graded."""

from __future__ import annotations

import json

import pytest

from tests.grading import reference

ANSWER = {"status": "graded", "error": "", "score": 1.0, "max_score": 2.0, "cells": []}
LIVE = {"status": "graded", "error": "", "score": 2.0, "max_score": 2.0, "cells": []}


@pytest.fixture
def store(tmp_path, monkeypatch):
    """An empty store in a temporary file, no answers remembered from earlier tests, and nbgrader
    replaced by a recorder of the pairs it is asked to grade."""
    path = tmp_path / "nbgrader_reference.json"
    monkeypatch.setattr(reference, "STORE", path)
    monkeypatch.setattr(reference, "_memo", {})
    monkeypatch.setattr(reference, "_recorded", {})
    monkeypatch.delenv("REFERENCE_GRADES", raising=False)
    graded = []

    def live_grade(source, submission, *, language=None):
        graded.append((source, submission, language))
        return LIVE

    monkeypatch.setattr(reference, "live_grade", live_grade)
    return path, graded


def _write(path, versions, results):
    path.write_text(json.dumps({"versions": versions, "results": results}))


def test_a_stored_answer_is_used_without_grading(store):
    """The pair stored under today's versions is answered from the file; nbgrader is not run."""
    path, graded = store
    _write(path, reference.versions(), {reference.key(b"s", b"u"): {"pair": "p", "result": ANSWER}})
    assert reference.reference_grade(b"s", b"u") == ANSWER
    assert graded == []


def test_another_pair_or_language_is_graded_live(store):
    """A pair or a language with no stored answer is graded with nbgrader, once per test run."""
    path, graded = store
    _write(path, reference.versions(), {reference.key(b"s", b"u"): {"pair": "p", "result": ANSWER}})
    assert reference.reference_grade(b"s", b"other") == LIVE
    assert reference.reference_grade(b"s", b"u", language="ru") == LIVE
    assert reference.reference_grade(b"s", b"u", language="ru") == LIVE  # once per run
    assert graded == [(b"s", b"other", None), (b"s", b"u", "ru")]


def test_answers_stored_under_other_versions_are_not_used(store):
    """A file written under another version of a package that decides scores is not read: every pair is
    graded live, and the reason names the package."""
    path, graded = store
    older = {**reference.versions(), "numpy": "1.0.0"}
    _write(path, older, {reference.key(b"s", b"u"): {"pair": "p", "result": ANSWER}})
    assert reference.stale_reason() == "nbgrader_reference.json was written under other versions of numpy"
    assert reference.stored_result(b"s", b"u") is None
    assert reference.reference_grade(b"s", b"u") == LIVE
    assert graded == [(b"s", b"u", None)]


def test_live_mode_grades_every_pair(store, monkeypatch):
    """`REFERENCE_GRADES=live` grades even a stored pair with nbgrader."""
    path, graded = store
    _write(path, reference.versions(), {reference.key(b"s", b"u"): {"pair": "p", "result": ANSWER}})
    monkeypatch.setenv("REFERENCE_GRADES", "live")
    assert reference.reference_grade(b"s", b"u") == LIVE
    assert graded == [(b"s", b"u", None)]


def test_record_mode_writes_what_it_graded_under_todays_versions(store, monkeypatch):
    """`REFERENCE_GRADES=record` grades live and rewrites the file with today's versions and only the
    pairs it graded, which are then stored answers."""
    path, graded = store
    _write(path, {"nbgrader": "0.1"}, {"stale": {"pair": "old", "result": ANSWER}})
    monkeypatch.setenv("REFERENCE_GRADES", "record")
    reference.reference_grade(b"s", b"u", label="pair one")
    written = json.loads(path.read_text())
    assert written["versions"] == reference.versions()
    assert written["results"] == {reference.key(b"s", b"u"): {"pair": "pair one", "result": LIVE}}
    assert reference.stored_result(b"s", b"u") == LIVE


def test_the_versions_name_nbgrader_jupyter_and_the_science_libraries():
    """The stored answers hold for versions of nbgrader, the kernel, the science libraries, Python and
    the command-line engine's own source."""
    found = reference.versions()
    assert {"nbgrader", "nbclient", "ipykernel", "numpy", "pandas", "matplotlib", "python"} <= set(found)
    assert found["nbgrader-cli engine"]
