"""The sandbox's view of the file system: the project (instructor notebooks, settings, data) is out of
reach of student code, wherever the project is checked out."""

import nbformat
import pytest
from django.conf import settings

from grading.sandbox import SandboxConfig, isolation_command, run_notebook
from tests.services import unavailable

pytestmark = pytest.mark.django_db


def _probe(path: str) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells.append(
        nbformat.v4.new_code_cell(
            "import os\n"
            f"p = {path!r}\n"
            "try:\n"
            "    seen = os.listdir(p) if os.path.isdir(p) else open(p).read()\n"
            "except OSError:\n"
            "    seen = None\n"
            "print('VISIBLE' if seen else 'HIDDEN')"
        )
    )
    return nb


def _output(nb) -> str:
    return "".join(out.get("text", "") for cell in nb.cells for out in cell.get("outputs", []))


@pytest.mark.parametrize(
    "relative",
    ["demo/notebooks", "lms/settings/base.py", "var", "pyproject.toml"],
)
def test_student_code_cannot_see_the_project_files(relative):
    """Instructor notebooks shipped with the project, the settings and var/ are hidden from student code."""
    if isolation_command() is None:
        unavailable("mount namespaces (unshare) are unavailable on this machine")
    executed = run_notebook(_probe(str(settings.BASE_DIR / relative)), config=SandboxConfig.from_settings())
    assert "HIDDEN" in _output(executed)
    assert "VISIBLE" not in _output(executed)
