"""Small builders for the raw StreamField data of the demo lessons, so the course texts read as text."""

from __future__ import annotations

from textwrap import dedent


def heading(text: str, level: str = "h2") -> dict:
    return {"type": "heading", "value": {"text": text, "level": level}}


def paragraph(html: str) -> dict:
    return {"type": "paragraph", "value": dedent(html).strip()}


def code(source: str, language: str = "python", caption: str = "") -> dict:
    return {
        "type": "code",
        "value": {"language": language, "code": dedent(source).strip("\n"), "caption": caption},
    }


def callout(text_html: str, *, kind: str = "info", title: str = "") -> dict:
    return {"type": "callout", "value": {"kind": kind, "title": title, "text": dedent(text_html).strip()}}


def video(url: str, title: str, transcript: str = "") -> dict:
    return {"type": "video", "value": {"video": url, "title": title, "transcript": transcript}}


def question(text: str, choices: list[tuple[str, bool]], explanation: str = "") -> dict:
    """A quiz question; several correct answers make it a multiple-choice question."""
    correct = sum(1 for _, is_correct in choices if is_correct)
    return {
        "question": text,
        "multiple": correct > 1,
        "choices": [{"text": answer, "correct": is_correct} for answer, is_correct in choices],
        "explanation": explanation,
    }


def quiz(quiz_id: str, questions: list[dict], *, title: str = "Проверьте себя", pass_mark: int = 70) -> dict:
    """A quiz with a fixed identifier, so learners' attempts stay attached when the demo is re-seeded."""
    return {
        "type": "quiz",
        "value": {"quiz_id": quiz_id, "title": title, "pass_mark": pass_mark, "questions": questions},
    }
