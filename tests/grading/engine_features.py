"""An instructor notebook whose test cells each exercise one way a cell's outputs decide its score
(errors, stderr, partial credit, magics, shell escapes, input(), rich display, floods, timeouts), for
comparing engines cell by cell."""

from __future__ import annotations

from tests.grading import notebooks

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
    return notebooks.python_notebook(
        [
            notebooks.solution_cell(
                "def double(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION\n", "double"
            )
        ]
        + [notebooks.autograder_cell(source, grade_id) for grade_id, source in FEATURES.items()]
    )


# The learners' data-science courses: numpy arrays and scalars, pandas frames and matplotlib figures,
# in the learner's cells and in the tests.
SCIENCE_SOLUTION = """import numpy as np
import pandas as pd
import matplotlib.pyplot as plt


def squares(n):
    ### BEGIN SOLUTION
    return np.arange(n) ** 2
    ### END SOLUTION


def mean_of(values):
    ### BEGIN SOLUTION
    return np.mean(values)
    ### END SOLUTION


def table(n):
    ### BEGIN SOLUTION
    return pd.DataFrame({"n": np.arange(n), "square": np.arange(n) ** 2, "name": [f"x{i}" for i in range(n)]})
    ### END SOLUTION


def plot_squares(n):
    ### BEGIN SOLUTION
    plt.plot(squares(n))
    ### END SOLUTION
"""
SCIENCE_FIGURE = (
    "### BEGIN SOLUTION\nplt.plot(squares(5))\nplt.title('squares')\nplt.show()\n### END SOLUTION"
)
SCIENCE = {
    "s_allclose": "import numpy as np\n\nnp.testing.assert_allclose(squares(4), [0, 1, 4, 9])",
    "s_all_equal": "assert (squares(4) == np.array([0, 1, 4, 9])).all()",
    "s_array": "result = squares(3)\nassert isinstance(result, np.ndarray)\nassert result.dtype.kind == 'i'\n"
    "assert result.shape == (3,)\nassert result.sum() == 5",
    "s_scalar": "m = mean_of([1, 2, 3, 4])\nassert isinstance(m, (float, np.floating))\nassert m == 2.5",
    "s_scalar_result": "mean_of(np.array([0.25, 0.75]))",
    "s_frame": "df = table(3)\nassert list(df.columns) == ['n', 'square', 'name']\n"
    "assert df.shape == (3, 3)\nassert (df['square'] == [0, 1, 4]).all()\nassert df.loc[2, 'name'] == 'x2'",
    "s_frame_equal": "expected = pd.DataFrame(\n"
    "    {'n': np.arange(2), 'square': np.arange(2) ** 2, 'name': ['x0', 'x1']}\n)\n"
    "pd.testing.assert_frame_equal(table(2), expected)",
    "s_frame_sum": "table(4)['square'].sum()",
    "s_figure": "fig, ax = plt.subplots()\nax.plot(squares(4))\nplt.show()",
    "s_learner_figure": "plot_squares(3)",
}
# Submissions (solution code replacing the instructor's) that get the tests wrong, and that try to forge
# passes through numpy: an array whose `==` says "all equal", and numpy's and pandas' assertion
# functions replaced by ones that never fail.
SCIENCE_WRONG = """import numpy as np
import pandas as pd
import matplotlib.pyplot as plt


def squares(n):
    return np.arange(n) * 2


def mean_of(values):
    return np.median(values) + 1


def table(n):
    return pd.DataFrame({"n": np.arange(n), "square": np.arange(n), "name": ["x"] * n})


def plot_squares(n):
    plt.plot(squares(n))
"""
SCIENCE_FORGE_EQUAL = """import numpy as np
import pandas as pd
import matplotlib.pyplot as plt


class Agreeable(np.ndarray):
    def __eq__(self, other):
        return np.ones(self.shape, dtype=bool)


def squares(n):
    return np.zeros(n, dtype=int).view(Agreeable)


def mean_of(values):
    return 0.0


def table(n):
    return pd.DataFrame()


def plot_squares(n):
    pass
"""
SCIENCE_FORGE_PATCH = """import numpy as np
import pandas as pd
import matplotlib.pyplot as plt

np.testing.assert_allclose = lambda *args, **kwargs: None
pd.testing.assert_frame_equal = lambda *args, **kwargs: None


def squares(n):
    return np.zeros(n)


def mean_of(values):
    return 0.0


def table(n):
    return pd.DataFrame()


def plot_squares(n):
    pass
"""


def science_notebook(solution: str | None = None) -> bytes:
    """The instructor notebook for SCIENCE (or a submission whose solution cell is *solution*)."""
    return notebooks.python_notebook(
        [
            notebooks.solution_cell(solution or SCIENCE_SOLUTION, "functions"),
            notebooks.solution_cell(SCIENCE_FIGURE, "figure"),
        ]
        + [notebooks.autograder_cell(source, grade_id) for grade_id, source in SCIENCE.items()]
    )
