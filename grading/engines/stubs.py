"""What nbgrader leaves where a solution was, in the language the exercise is written in.

nbgrader's `ClearSolutions` replaces each `### BEGIN SOLUTION … ### END SOLUTION` region with a stub
(`# YOUR CODE HERE` and `raise NotImplementedError()` for Python) and each written answer with
`YOUR ANSWER HERE`. The stub is part of what is graded: the checksum of a manually graded answer cell
is taken after the stub is put in, and an answer the learner left as released counts as no answer.
So the release notebook and every grading of it must use the very same stub: each engine (and the
nbgrader command line the engines are compared with) takes it from here, by the exercise's language.

These are fixed strings, not gettext messages: a translator's edit would silently change the checksums
of notebooks already released. English, and any language not listed, keeps nbgrader's own stubs.
"""

from __future__ import annotations

# The comment and the instruction that fails an unanswered cell, per notebook kernel language, as in
# nbgrader's own `ClearSolutions.code_stub` with the comment translated.
_CODE_STUB_FORMS = {
    "python": "# {code}\nraise NotImplementedError()",
    "R": "# {code}\nfail()",
    "matlab": "% {code}\nerror('No Answer Given!')",
    "octave": "% {code}\nerror('No Answer Given!')",
    "sas": "/* {code} */\n %notImplemented;",
    "java": "// {code}",
}
# language → (the comment in a code stub, the text stub of a written answer)
_STUB_TEXTS = {
    "ru": ("ВАШ КОД ЗДЕСЬ", "ВАШ ОТВЕТ ЗДЕСЬ"),
    "tt": ("СЕЗНЕҢ КОДЫГЫЗ МОНДА", "СЕЗНЕҢ ҖАВАБЫГЫЗ МОНДА"),
}
STUB_LANGUAGES = frozenset(_STUB_TEXTS)


def code_stubs(language: str | None) -> dict[str, str] | None:
    """nbgrader's `ClearSolutions.code_stub` for *language* (kernel language → stub), or `None` for
    nbgrader's own English stubs."""
    if language not in _STUB_TEXTS:
        return None
    code, _text = _STUB_TEXTS[language]
    return {kernel: form.format(code=code) for kernel, form in _CODE_STUB_FORMS.items()}


def text_stub(language: str | None) -> str | None:
    """nbgrader's `ClearSolutions.text_stub` for *language*, or `None` for nbgrader's own."""
    if language not in _STUB_TEXTS:
        return None
    return _STUB_TEXTS[language][1]


def clear_solutions_config(language: str | None) -> dict:
    """The traitlets configuration of nbgrader's `ClearSolutions` for *language* (empty: nbgrader's
    defaults)."""
    if language not in _STUB_TEXTS:
        return {}
    return {"code_stub": code_stubs(language), "text_stub": text_stub(language)}


def nbgrader_config_lines(language: str | None) -> str:
    """The same configuration as lines of an `nbgrader_config.py` (for the nbgrader command line)."""
    return "".join(
        f"c.ClearSolutions.{name} = {value!r}\n" for name, value in clear_solutions_config(language).items()
    )
