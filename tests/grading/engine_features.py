"""An instructor notebook whose test cells each exercise one way a cell's outputs decide its score
(errors, stderr, partial credit, magics, shell escapes, input(), rich display, floods, timeouts), for
comparing engines cell by cell."""

from __future__ import annotations

import nbformat

FEATURES = {
    "t_pass": "assert double(2) == 4",
    "t_fail": "assert double(2) == 5",
    "t_partial": "0.5",
    "t_text_result": "'a string, not a number'",
    "t_stderr": "import sys\nprint('careful', file=sys.stderr)",
    "t_fd_stderr": "import os\n_ = os.write(2, b'straight to the descriptor\\n')",
    "t_fd_stdout": "import os\n_ = os.write(1, b'fine\\n')",
    "t_warning": "import warnings\nwarnings.warn('deprecated')",
    "t_shell": "!echo hello from the shell",
    "t_magic": "%timeit -n1 -r1 double(1)",
    "t_cell_magic": "%%capture captured\nprint('hidden')",
    "t_input": "answer = input('name? ')",
    "t_display": "from IPython.display import HTML, display\ndisplay(HTML('<b>bold</b>'))",
    "t_syntax": "def broken(:\n    pass",
    "t_system_exit": "raise SystemExit(3)",
    "t_flood": "for _ in range(3000):\n    print('y' * 1000)",
    "t_timeout": "while True:\n    pass",
    "t_after_timeout": "assert double(3) == 6",
}


def features_notebook() -> bytes:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    solution = nbformat.v4.new_code_cell(
        "def double(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION\n"
    )
    solution.metadata["nbgrader"] = {
        "grade": False,
        "solution": True,
        "locked": False,
        "grade_id": "double",
        "schema_version": 3,
    }
    nb.cells.append(solution)
    for grade_id, source in FEATURES.items():
        cell = nbformat.v4.new_code_cell(source)
        cell.metadata["nbgrader"] = {
            "grade": True,
            "solution": False,
            "locked": True,
            "points": 1,
            "grade_id": grade_id,
            "schema_version": 3,
        }
        nb.cells.append(cell)
    return nbformat.writes(nb).encode()
