"""The yardstick of the differential tests: what plain `nbgrader generate_assignment` + `nbgrader
autograde` (the `nbgrader-cli` engine) scores for a notebook pair.

Two nbgrader processes and a kernel per pair make it the slowest step of the suite, and its answer
depends only on the two notebooks, the language and the versions of nbgrader, Jupyter and the science
libraries. So the answers are stored in `nbgrader_reference.json`, keyed by a hash of the pair and the
language, under the versions (and the command-line engine's own source) that gave them: a pair not
stored, or a file written under other versions, is graded live. `make reference-grades` grades every
pair of the differential tests live again and rewrites the file; the differential tests check that it
covers all their pairs under today's versions, and grade a few pairs live on every run and compare
them with what is stored.

`REFERENCE_GRADES=live` grades every pair live (nothing read or written); `REFERENCE_GRADES=record`
grades every pair live and writes the file.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import json
import os
import sys
from importlib import metadata
from pathlib import Path

from grading.engines import get_engine

STORE = Path(__file__).with_name("nbgrader_reference.json")
# The packages whose versions can change a score nbgrader gives.
PACKAGES = (
    "nbgrader",
    "nbconvert",
    "nbclient",
    "nbformat",
    "jupyter_client",
    "ipykernel",
    "ipython",
    "numpy",
    "pandas",
    "matplotlib",
)

_memo: dict[str, dict] = {}
_recorded: dict[str, dict] = {}


def mode() -> str:
    value = os.environ.get("REFERENCE_GRADES", "stored")
    if value not in ("stored", "live", "record"):
        raise ValueError(f"REFERENCE_GRADES={value!r}: one of stored, live, record")
    return value


@functools.cache
def versions() -> dict[str, str]:
    """What the stored answers hold for: the packages' versions, Python's, and a hash of the source of the
    command-line engine."""
    from grading.engines import nbgrader_cli

    found = {name: metadata.version(name) for name in PACKAGES}
    found["python"] = f"{sys.version_info.major}.{sys.version_info.minor}"
    found["nbgrader-cli engine"] = hashlib.sha256(inspect.getsource(nbgrader_cli).encode()).hexdigest()[:16]
    return found


def _stubs(language: str | None) -> bytes:
    """The solution stubs the command line is configured with for *language*."""
    try:
        from grading.engines import stubs
    except ImportError:
        return b""
    return json.dumps(stubs.clear_solutions_config(language), sort_keys=True, ensure_ascii=False).encode()


def key(source: bytes, submission: bytes, *, language: str | None = None) -> str:
    """The pair's name in the stored answers: its two notebooks, its language and that language's stubs."""
    parts = [source, submission, (language or "").encode()]
    if language:
        parts.append(_stubs(language))
    digest = hashlib.sha256()
    for part in parts:
        digest.update(hashlib.sha256(part).digest())
    return digest.hexdigest()


def stale_reason() -> str | None:
    """Why the stored answers cannot be used today (no file, other versions), or None."""
    if not STORE.exists():
        return f"{STORE.name} does not exist"
    stored = json.loads(STORE.read_text(encoding="utf-8")).get("versions", {})
    changed = sorted(k for k in {*stored, *versions()} if stored.get(k) != versions().get(k))
    if changed:
        return f"{STORE.name} was written under other versions of {', '.join(changed)}"
    return None


def _stored() -> dict[str, dict]:
    if stale_reason() is not None:
        return {}
    data = json.loads(STORE.read_text(encoding="utf-8"))
    return {k: entry["result"] for k, entry in data["results"].items()}


def stored_result(source: bytes, submission: bytes, *, language: str | None = None) -> dict | None:
    """The stored answer for the pair under today's versions, or None."""
    return _stored().get(key(source, submission, language=language))


def live_grade(source: bytes, submission: bytes, *, language: str | None = None) -> dict:
    """Grade the pair with the nbgrader command line now: status, error, score, max_score and cells, as
    `manage.py grade --json` prints them."""
    kwargs = {"language": language} if language else {}
    contract = (
        get_engine("nbgrader-cli")
        .grade(source=source, submission=submission, feedback=False, **kwargs)
        .as_contract()
    )
    return {name: contract[name] for name in ("status", "error", "score", "max_score", "cells")}


def reference_grade(
    source: bytes, submission: bytes, *, language: str | None = None, label: str = ""
) -> dict:
    """nbgrader's answer for the pair: stored, or graded live once per test run (see the module's
    docstring). *label* names the pair in the stored file."""
    pair = key(source, submission, language=language)
    if pair in _memo:
        return _memo[pair]
    current = mode()
    result = _stored().get(pair) if current == "stored" else None
    if result is None:
        result = live_grade(source, submission, language=language)
        if current == "record":
            _recorded[pair] = {"pair": label, "result": result}
            _write()
    _memo[pair] = result
    return result


def _write() -> None:
    data = {
        "versions": versions(),
        "results": dict(sorted(_recorded.items(), key=lambda item: (item[1]["pair"], item[0]))),
    }
    STORE.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
