"""StreamField blocks that lessons are built from."""

import uuid

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.blocks import StructValue
from wagtail.embeds.blocks import EmbedBlock
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

    class Meta:
        icon = "image"
        template = "courses/blocks/image.html"
        label = _("Image")


class VideoBlock(blocks.StructBlock):
    video = EmbedBlock(label=_("Video URL"), help_text=_("A link to a video on a supported hosting service."))
    title = blocks.CharBlock(required=False, label=_("Title"))
    transcript = blocks.TextBlock(required=False, label=_("Transcript"))

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
        correct = sum(1 for choice in value["choices"] if choice["correct"])
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
    """A graded quiz. Correct answers are only ever read on the server (see `courses.services`)."""

    quiz_id = blocks.CharBlock(
        label=_("Quiz identifier"),
        default=new_quiz_id,
        help_text=_("Keeps learners' attempts attached when the quiz is edited. Leave as generated."),
    )
    title = blocks.CharBlock(label=_("Title"), default=_("Check yourself"))
    pass_mark = blocks.IntegerBlock(min_value=0, max_value=100, default=70, label=_("Pass mark, %"))
    questions = blocks.ListBlock(QuizQuestionBlock(), min_num=1, label=_("Questions"))

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
