"""StreamField blocks that lessons are built from."""

import random
import re
import uuid
from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.utils.crypto import salted_hmac
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import TextLexer, get_lexer_by_name
from pygments.util import ClassNotFound
from wagtail import blocks
from wagtail.blocks import StructValue
from wagtail.embeds.blocks import EmbedBlock
from wagtail.embeds.embeds import get_embed
from wagtail.embeds.exceptions import EmbedException
from wagtail.images.blocks import ImageBlock
from wagtail.snippets.blocks import SnippetChooserBlock


def new_quiz_id() -> str:
    return uuid.uuid4().hex[:12]


class HeadingBlock(blocks.StructBlock):
    text = blocks.CharBlock(label=_("Text"), max_length=200)
    level = blocks.ChoiceBlock(
        choices=[("h2", "H2"), ("h3", "H3"), ("h4", "H4")], default="h2", label=_("Level")
    )

    class Meta:
        icon = "title"
        template = "courses/blocks/heading.html"
        label = _("Heading")


class CaptionedImageBlock(blocks.StructBlock):
    image = ImageBlock(label=_("Image"))
    caption = blocks.CharBlock(required=False, label=_("Caption"))

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context=parent_context)
        image = value["image"]
        if image is None or getattr(image, "decorative", False):
            context["alt"] = ""
        else:
            context["alt"] = (
                getattr(image, "contextual_alt_text", "") or value["caption"] or image.default_alt_text
            )
        return context

    class Meta:
        icon = "image"
        template = "courses/blocks/image.html"
        label = _("Image")


class VideoBlock(blocks.StructBlock):
    video = EmbedBlock(label=_("Video URL"), help_text=_("A link to a video on a supported hosting service."))
    title = blocks.CharBlock(required=False, label=_("Title"))
    transcript = blocks.TextBlock(
        required=False,
        label=_("Text alternative"),
        help_text=_(
            "A transcript of what the video says and shows, for learners who cannot watch or hear it; "
            "shown under the video."
        ),
    )

    def get_context(self, value, parent_context=None):
        """Resolve the embed here so the template can fall back to a plain link, and give the player
        frame a title (screen readers announce frames by it)."""
        context = super().get_context(value, parent_context=parent_context)
        url = value["video"].url if value["video"] else ""
        title = value["title"] or _("Video")
        context.update({"video_url": url, "video_title": title, "embed_html": ""})
        if url:
            try:
                html = get_embed(url).html
            except EmbedException:
                html = ""
            if html and "<iframe" in html and " title=" not in html:
                html = html.replace("<iframe", format_html('<iframe title="{}"', title), 1)
            context["embed_html"] = mark_safe(html)  # noqa: S308 - HTML from the configured oEmbed finders
        return context

    class Meta:
        icon = "media"
        template = "courses/blocks/video.html"
        label = _("Video")


LANGUAGE_CHOICES = [
    ("python", "Python"),
    ("html", "HTML"),
    ("css", "CSS"),
    ("javascript", "JavaScript"),
    ("sql", "SQL"),
    ("bash", "Bash"),
    ("json", "JSON"),
    ("text", _("Plain text")),
]


class CodeBlock(blocks.StructBlock):
    language = blocks.ChoiceBlock(choices=LANGUAGE_CHOICES, default="python", label=_("Language"))
    code = blocks.TextBlock(label=_("Code"))
    caption = blocks.CharBlock(required=False, label=_("Caption"))

    def get_context(self, value, parent_context=None):
        """Highlight the listing on the server with Pygments (no script, no CDN)."""
        context = super().get_context(value, parent_context=parent_context)
        try:
            lexer = get_lexer_by_name(value["language"]) if value["language"] != "text" else TextLexer()
        except ClassNotFound:
            lexer = TextLexer()
        html = highlight(value["code"], lexer, HtmlFormatter(cssclass="highlight", wrapcode=True))
        context["highlighted"] = mark_safe(html)  # noqa: S308 - Pygments escapes the source
        return context

    class Meta:
        icon = "code"
        template = "courses/blocks/code.html"
        label = _("Code listing")


class CalloutBlock(blocks.StructBlock):
    kind = blocks.ChoiceBlock(
        choices=[("info", _("Information")), ("tip", _("Tip")), ("warning", _("Warning"))],
        default="info",
        label=_("Kind"),
    )
    title = blocks.CharBlock(required=False, label=_("Title"))
    text = blocks.RichTextBlock(features=["bold", "italic", "link", "code", "ol", "ul"], label=_("Text"))

    class Meta:
        icon = "warning"
        template = "courses/blocks/callout.html"
        label = _("Callout")


def correct_choices(question) -> list[int]:
    """The indices of a quiz question's correct answers (a `QuizQuestionBlock` value), in order."""
    return [index for index, choice in enumerate(question["choices"]) if choice["correct"]]


def quiz_marks(quiz, answers: dict[str, list[int]]) -> list[bool]:
    """How a quiz is marked: for each question of `quiz` (a `QuizBlock` value), whether `answers`
    (question index as a string → chosen answer indices) chose exactly its correct answers, which
    scores the question's point."""
    return [
        sorted(answers.get(str(index), [])) == correct_choices(question)
        for index, question in enumerate(quiz["questions"])
    ]


def quiz_seed(*, user_id: int, quiz_id: str, attempt_number: int) -> int:
    """The seed that orders the answers of a learner's `attempt_number`-th attempt (counted from 0) at
    a quiz. Derived on the server from the secret key, so it is the same when the form is shown and
    when it is checked, differs from one attempt to the next, and cannot be chosen by the learner."""
    digest = salted_hmac("courses.quiz_seed", f"{user_id}:{quiz_id}:{attempt_number}").hexdigest()
    return int(digest[:15], 16)


def quiz_choice_order(quiz, *, seed: int) -> list[list[int]]:
    """For each question of `quiz` (a `QuizBlock` value), its answers' indices in the order to show
    them, shuffled by `seed`. The indices identify the answers: checking never depends on positions."""
    rng = random.Random(seed)  # noqa: S311 - display order, not a secret
    order = []
    for question in quiz["questions"]:
        indices = list(range(len(question["choices"])))
        rng.shuffle(indices)
        order.append(indices)
    return order


def stored_choice_order(quiz, order) -> list[list[int]]:
    """`order` (as kept with an attempt) where it still fits the quiz's questions; the authored order
    for questions edited since (or for attempts stored before answers were shuffled)."""
    order = order if isinstance(order, list) else []
    result = []
    for index, question in enumerate(quiz["questions"]):
        natural = list(range(len(question["choices"])))
        kept = order[index] if index < len(order) else None
        result.append(kept if isinstance(kept, list) and sorted(kept) == natural else natural)
    return result


class QuizChoiceBlock(blocks.StructBlock):
    text = blocks.CharBlock(label=_("Answer"), max_length=500)
    correct = blocks.BooleanBlock(required=False, label=_("Correct"))


class QuizQuestionBlock(blocks.StructBlock):
    question = blocks.CharBlock(label=_("Question"), max_length=1000)
    multiple = blocks.BooleanBlock(
        required=False, label=_("Several answers"), help_text=_("Learners may tick more than one answer.")
    )
    choices = blocks.ListBlock(QuizChoiceBlock(), min_num=2, label=_("Answers"))
    explanation = blocks.TextBlock(required=False, label=_("Explanation shown after answering"))

    def clean(self, value: StructValue) -> StructValue:
        value = super().clean(value)
        correct = len(correct_choices(value))
        if correct == 0:
            raise blocks.StructBlockValidationError(
                {"choices": ValidationError(_("Mark at least one answer correct."))}
            )
        if correct > 1 and not value["multiple"]:
            raise blocks.StructBlockValidationError(
                {"multiple": ValidationError(_("Several answers are correct: allow several answers."))}
            )
        return value


class QuizBlock(blocks.StructBlock):
    """A graded quiz. Correct answers are only ever read on the server (`quiz_marks`)."""

    quiz_id = blocks.CharBlock(
        label=_("Quiz identifier"),
        default=new_quiz_id,
        help_text=_("Keeps learners' attempts attached when the quiz is edited. Leave as generated."),
    )
    title = blocks.CharBlock(label=_("Title"), default=_("Check yourself"))
    pass_mark = blocks.IntegerBlock(min_value=0, max_value=100, default=70, label=_("Pass mark, %"))
    questions = blocks.ListBlock(QuizQuestionBlock(), min_num=1, label=_("Questions"))

    def get_context(self, value, parent_context=None):
        """The questions for the form (texts only: which answers are correct never reaches the page).

        After an attempt the learner's answers are shown in the order they were given, with feedback,
        and "Try again" links (GET, `?retry=<quiz id>`) to a fresh empty form. The fresh form shows the
        answers in the order of the learner's next attempt (`quiz_seed`, `quiz_choice_order`)."""
        context = super().get_context(value, parent_context=parent_context)
        parent_context = parent_context or {}
        quiz_id = value["quiz_id"]
        feedback = (parent_context.get("quiz_feedback") or {}).get(quiz_id)
        request = parent_context.get("request")
        retry = request is not None and request.GET.get("retry") == str(quiz_id)
        user = getattr(request, "user", None) or parent_context.get("user")
        if feedback and not retry:
            order = stored_choice_order(value, feedback["attempt"].choice_order)
        elif user is not None and user.is_authenticated:
            attempts = (parent_context.get("quiz_attempt_counts") or {}).get(quiz_id, 0)
            order = quiz_choice_order(
                value, seed=quiz_seed(user_id=user.pk, quiz_id=quiz_id, attempt_number=attempts)
            )
        else:
            order = stored_choice_order(value, None)
        show_feedback = bool(feedback) and not retry
        questions = []
        for index, question in enumerate(value["questions"]):
            choices = question["choices"]
            item = {
                "index": index,
                "text": question["question"],
                "multiple": bool(question["multiple"]),
                "choices": [{"index": i, "text": choices[i]["text"]} for i in order[index]],
            }
            if show_feedback and index < len(feedback["questions"]):
                item["feedback"] = feedback["questions"][index]
            questions.append(item)
        page = parent_context.get("page")
        context.update(
            {
                "quiz_id": quiz_id,
                "dom_id": "quiz-" + re.sub(r"[^A-Za-z0-9_-]", "", str(quiz_id)),
                "quiz_title": value["title"],
                "quiz_pass_mark": value["pass_mark"],
                "quiz_questions": questions,
                "attempt": feedback["attempt"] if feedback else None,
                "quiz_show_feedback": show_feedback,
                "lesson_pk": getattr(page, "pk", None),
                "retry_url": (getattr(request, "path", "") if request is not None else "")
                + "?"
                + urlencode({"retry": quiz_id}),
            }
        )
        return context

    class Meta:
        icon = "tick-inverse"
        template = "courses/blocks/quiz.html"
        label = _("Quiz")


class NotebookExerciseBlock(blocks.StructBlock):
    """A Jupyter notebook exercise graded automatically; the exercise itself lives in `grading`."""

    exercise = SnippetChooserBlock("grading.Exercise", label=_("Exercise"))
    intro = blocks.RichTextBlock(
        required=False, features=["bold", "italic", "link", "code"], label=_("Introduction")
    )

    class Meta:
        icon = "code"
        template = "courses/blocks/notebook_exercise.html"
        label = _("Notebook exercise")


class LessonStreamBlock(blocks.StreamBlock):
    heading = HeadingBlock()
    paragraph = blocks.RichTextBlock(
        features=["h2", "h3", "bold", "italic", "link", "ol", "ul", "code", "blockquote", "hr"],
        label=_("Rich text"),
        icon="pilcrow",
        template="courses/blocks/paragraph.html",
    )
    image = CaptionedImageBlock()
    video = VideoBlock()
    code = CodeBlock()
    callout = CalloutBlock()
    quiz = QuizBlock()
    notebook_exercise = NotebookExerciseBlock()
