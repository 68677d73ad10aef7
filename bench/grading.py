"""Grading throughput: plain `nbgrader generate_assignment` + `nbgrader autograde` (one command-line
run per submission, as nbgrader is used out of the box) against this platform's engines, on the same
corpus: the reference engine (nbgrader as a library in a long-lived process, every submission executed
in a new sandbox with a Jupyter kernel) and the fork engine (the same scoring, every submission run by a
child of a pre-warmed zygote).

    .venv/bin/python bench/grading.py [--copies N] [--workers N]

Prints one JSON object: per pipeline, submissions per second and p50/p95 latency in seconds;
`speedup`, the fork engine's throughput over the command line's (`speedup_reference_engine` for the
reference engine); and whether all three gave identical scores, cell by cell, for every submission.
The corpus is the demo exercises (solved, starter and partly wrong notebooks) plus the notebooks
nbgrader ships for its own tests. The fork engine's zygote is started (and the instructor notebooks
recorded) once before its timing starts, as a grading worker does when it starts.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings.dev")

import django  # noqa: E402

django.setup()

import nbformat  # noqa: E402
import nbgrader  # noqa: E402

from demo.exercises import NOTEBOOKS as DEMO_NOTEBOOKS  # noqa: E402
from grading.engines import get_engine  # noqa: E402

FILES = Path(nbgrader.__file__).parent / "tests" / "apps" / "files"


def corpus() -> list[tuple[str, bytes, bytes]]:
    """(name, source, submission) triples."""
    items = []
    for path in sorted(DEMO_NOTEBOOKS.glob("*.ipynb")):
        source = path.read_bytes()
        release, _cells, _max = get_engine("nbgrader").release(source=source)
        wrong = nbformat.reads(source.decode(), as_version=4)
        for cell in wrong.cells:
            if cell.metadata.get("nbgrader", {}).get("solution"):
                cell.source = cell.source.split("### BEGIN SOLUTION")[0] + "    return None\n"
                break
        items += [
            (f"{path.stem}/solved", source, source),
            (f"{path.stem}/starter", source, release),
            (f"{path.stem}/partly-wrong", source, nbformat.writes(wrong).encode()),
        ]
    unchanged = (FILES / "submitted-unchanged.ipynb").read_bytes()
    for name in ("submitted-changed", "submitted-cheat-attempt", "submitted-locked-cell-changed"):
        items.append((f"nbgrader/{name}", unchanged, (FILES / f"{name}.ipynb").read_bytes()))
    return items


def run(engine_name: str, items, workers: int) -> tuple[dict, list]:
    engine = get_engine(engine_name)
    latencies: list[float] = []

    def one(item):
        _name, source, submission = item
        started = time.perf_counter()
        result = engine.grade(source=source, submission=submission, feedback=False)
        latencies.append(time.perf_counter() - started)
        return result.as_contract()

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = list(pool.map(one, items))
    elapsed = time.perf_counter() - started
    latencies.sort()
    p95_index = max(0, int(round(0.95 * len(latencies))) - 1)
    return (
        {
            "submissions": len(items),
            "seconds": round(elapsed, 2),
            "submissions_per_second": round(len(items) / elapsed, 3),
            "p50_seconds": round(statistics.median(latencies), 2),
            "p95_seconds": round(latencies[p95_index], 2),
            "errors": sum(1 for r in results if r["status"] != "graded"),
        },
        results,
    )


def _mismatches(items, reference, other) -> list[str]:
    return [
        item[0]
        for item, a, b in zip(items, reference, other, strict=True)
        if (a["score"], a["cells"]) != (b["score"], b["cells"])
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--copies", type=int, default=1, help="repeat the corpus N times")
    parser.add_argument("--workers", type=int, default=1, help="submissions graded at the same time")
    args = parser.parse_args()
    items = corpus() * args.copies
    plain, plain_results = run("nbgrader-cli", items, args.workers)
    reference, reference_results = run("nbgrader", items, args.workers)
    for _name, source, _submission in items[: len(items) // args.copies]:
        get_engine("fork").grade(source=source, submission=source, feedback=False)
    fork, fork_results = run("fork", items, args.workers)
    mismatches = sorted(
        set(
            _mismatches(items, plain_results, reference_results)
            + _mismatches(items, plain_results, fork_results)
        )
    )
    print(
        json.dumps(
            {
                "corpus": len(items),
                "workers": args.workers,
                "nbgrader_autograde_cli": plain,
                "platform_pipeline": reference,
                "fork_engine": fork,
                "speedup": round(fork["submissions_per_second"] / plain["submissions_per_second"], 2),
                "speedup_reference_engine": round(
                    reference["submissions_per_second"] / plain["submissions_per_second"], 2
                ),
                "scores_identical": not mismatches,
                "mismatches": mismatches,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
