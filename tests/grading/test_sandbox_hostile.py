"""Hostile notebooks: each is contained by the sandbox and scored as it deserves, and the grader keeps
working afterwards, with either engine (a new sandbox per submission; the fork server). The hostile code
replaces the `link` solution of the web demo exercise, so a contained attack costs exactly the 2 points
of `test_link` (total 3 of 5)."""

from __future__ import annotations

import json
import os
import socket
import threading

import psutil
import pytest

from grading.engines.fork_engine import ForkEngine
from grading.engines.nbgrader_engine import NbgraderEngine
from grading.sandbox import Limits, SandboxConfig, isolation_command
from tests.factories import demo_notebook
from tests.grading import notebooks
from tests.services import unavailable

pytestmark = pytest.mark.engine

LIMITS = Limits(notebook_seconds=90, cell_seconds=5, cpu_seconds=20, memory_bytes=1024 * 1024 * 1024)


ENGINES = {"nbgrader": NbgraderEngine, "fork": ForkEngine}


@pytest.fixture(params=sorted(ENGINES))
def engine_class(request):
    return ENGINES[request.param]


@pytest.fixture
def engine(engine_class, settings, tmp_path):
    config = SandboxConfig.from_settings()
    return engine_class(limits=LIMITS, sandbox_config=config)


def _grade(engine, code: str):
    # `import html` belongs to the replaced cell; the other functions need it.
    result = engine.grade(source=demo_notebook(), submission=notebooks.with_solution("import html\n" + code))
    return result, _outputs_of(result, "link")


def _outputs_of(result, grade_id: str) -> str:
    """The outputs of one cell of the graded notebook, as text."""
    for cell in (result.graded_notebook or {}).get("cells", []):
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id:
            return json.dumps(cell.get("outputs", []))
    return ""


def _scores(result) -> dict:
    return {c.grade_id: c.score for c in result.cells}


def _no_sandbox_processes_left() -> bool:
    base = SandboxConfig.from_settings().uid_base
    for proc in psutil.process_iter(["uids"]):
        uids = proc.info.get("uids")
        if uids and base <= uids.real < base + 64:
            return False
    return True


CONTAINED = {"test_link": 0.0, "test_bullet_list": 2.0, "test_slugify": 1.0}


def test_infinite_loop_is_stopped_by_the_cell_timeout(engine):
    """`while True: pass` hits the per-cell timeout; the other cells still run and score."""
    result, _ = _grade(engine, "while True:\n    pass")
    assert result.status == "graded", result.error
    assert _scores(result) == CONTAINED
    assert _no_sandbox_processes_left()


def test_notebook_wall_clock_limit_stops_a_slow_notebook(engine_class, settings, tmp_path):
    """Cells each under the cell limit but together over the notebook limit: the run is stopped and the
    submission reported as an error, with everything killed."""
    config = SandboxConfig.from_settings()
    engine = engine_class(limits=Limits(notebook_seconds=8, cell_seconds=6), sandbox_config=config)
    code = "import time\ntime.sleep(4)\n" + notebooks.load().cells[2].source
    nb = notebooks.load()
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("solution"):
            cell.source = "import time\ntime.sleep(4)\n" + cell.source
    result = engine.grade(source=demo_notebook(), submission=notebooks.dumps(nb))
    assert code
    assert result.status == "error"
    assert "longer than 8 s" in result.error
    assert _no_sandbox_processes_left()


def test_fork_bomb_is_contained(engine):
    """A fork bomb runs into the process limit of the sandbox uid and is killed with everything it
    started; a well-behaved notebook graded next still gets full marks."""
    if os.geteuid() != 0:
        unavailable("process limits per sandbox uid need root")
    result, _ = _grade(engine, "import os\nwhile True:\n    os.fork()")
    assert result.status in {"graded", "error"}
    if result.status == "graded":
        assert _scores(result)["test_link"] == 0.0
    assert _no_sandbox_processes_left()
    good = engine.grade(source=demo_notebook(), submission=notebooks.solved())
    assert good.score == 5.0


def test_memory_hog_gets_a_memory_error(engine):
    """Allocating 8 GB fails inside the sandbox (memory limit); only that function's test is lost."""
    result, outputs = _grade(engine, "hog = bytearray(8 * 1024 ** 3)")
    assert result.status == "graded", result.error
    assert _scores(result) == CONTAINED
    assert "MemoryError" in outputs


def test_huge_output_is_capped(engine):
    """Printing ten megabytes is cut at the output cap; grading completes."""
    code = "for _ in range(5000):\n    print('x' * 2000)\n" + notebooks.load().cells[2].source
    result, outputs = _grade(engine, code)
    whole = json.dumps(result.graded_notebook)
    assert result.status == "graded", result.error
    assert result.score == 5.0
    assert "output truncated by the grader" in outputs
    assert len(whole) < 4 * 1024 * 1024


def test_environment_is_scrubbed(engine, monkeypatch):
    """Secrets in the worker's environment are not visible to the student's code."""
    monkeypatch.setenv("DATABASE_URL", "postgres://admin:s3cret-db-password@db/lyceum")
    monkeypatch.setenv("SECRET_KEY", "s3cret-django-key")
    result, outputs = _grade(engine, "import os\nprint(dict(os.environ))")
    assert result.status == "graded", result.error
    assert "s3cret" not in outputs
    assert "PATH" in outputs  # the code did run and print the environment


def test_instructor_source_and_other_submissions_are_out_of_reach(engine, settings):
    """Private files (instructor notebooks, other learners' submissions) cannot be read from the
    sandbox, neither by their path nor by searching."""
    private = settings.PRIVATE_MEDIA_ROOT
    (private / "exercises" / "x").mkdir(parents=True)
    (private / "submissions" / "1" / "2").mkdir(parents=True)
    secret_source = private / "exercises" / "x" / "source.ipynb"
    secret_source.write_text("INSTRUCTOR-SOLUTION-MARKER")
    secret_source.chmod(0o600)
    other = private / "submissions" / "1" / "2" / "1.ipynb"
    other.write_text("OTHER-LEARNER-MARKER")
    other.chmod(0o600)
    code = f"""
import glob, os
found = []
for path in [{str(secret_source)!r}, {str(other)!r}]:
    try:
        found.append(open(path).read())
    except Exception as exc:
        print(type(exc).__name__)
candidates = glob.glob("/tmp/**/*.ipynb", recursive=True)
candidates += glob.glob({str(private)!r} + "/**/*", recursive=True)
for path in candidates:
    try:
        found.append(open(path).read()[:200])
    except Exception:
        pass
print(found)
"""
    result, outputs = _grade(engine, code)
    assert result.status == "graded", result.error
    assert "INSTRUCTOR-SOLUTION-MARKER" not in outputs
    assert "OTHER-LEARNER-MARKER" not in outputs
    assert "BEGIN HIDDEN TESTS" not in outputs


def test_writes_outside_the_work_directory_do_not_reach_the_host(engine, settings):
    """Writing to the project directory or /tmp from the sandbox leaves no file on the machine."""
    target = settings.BASE_DIR / "sandbox-was-here.txt"
    code = f"""
for path in [{str(target)!r}, "/tmp/sandbox-was-here.txt"]:
    try:
        open(path, "w").write("pwned")
        print("wrote", path)
    except Exception as exc:
        print(type(exc).__name__, path)
"""
    result, _ = _grade(engine, code)
    assert result.status == "graded", result.error
    assert not target.exists()
    assert not os.path.exists("/tmp/sandbox-was-here.txt")


def test_network_is_unreachable(engine):
    """A connection to a server listening on the machine's loopback never arrives (own network
    namespace)."""
    if isolation_command() is None:
        unavailable("unshare is not available: no network isolation on this machine")
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    server.settimeout(0.5)
    port = server.getsockname()[1]
    accepted = []

    def accept() -> None:
        for _ in range(60):
            try:
                conn, _addr = server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            accepted.append(conn)
            conn.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    code = f"""
import socket
try:
    socket.create_connection(("127.0.0.1", {port}), timeout=2).sendall(b"leak")
    print("CONNECTED")
except Exception as exc:
    print("blocked", type(exc).__name__)
"""
    try:
        result, outputs = _grade(engine, code)
    finally:
        server.close()
        thread.join(timeout=5)
    assert result.status == "graded", result.error
    assert accepted == []
    assert "CONNECTED" not in outputs


def test_edited_test_cells_are_restored_from_the_source(engine_class):
    """A learner who replaces a locked test cell with `pass` and breaks the function still fails that
    test: nbgrader restores locked cells from the instructor notebook."""
    nb = notebooks.load()
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id == "slugify":
            cell.source = "def slugify(title):\n    return 'wrong'"
        if grade_id == "test_slugify":
            cell.source = "pass"
    result = engine_class().grade(source=demo_notebook(), submission=notebooks.dumps(nb))
    assert result.status == "graded", result.error
    assert _scores(result)["test_slugify"] == 0.0
    assert result.score == 4.0


def test_hiding_errors_by_patching_ipython_does_not_earn_points(engine):
    """Disabling IPython's traceback display does not hide a failing test: the kernel still reports
    the error and the test scores zero."""
    code = """
ip = get_ipython()
ip.showtraceback = lambda *args, **kwargs: None
ip._showtraceback = lambda *args, **kwargs: None
import sys
sys.stderr = open("/dev/null", "w")
def link(url, text):
    return "nope"
"""
    result, _ = _grade(engine, code)
    assert result.status == "graded", result.error
    assert _scores(result) == CONTAINED
