"""Lesson blocks that need more than text: images (alt text), videos (a titled player frame, or a
plain link) and callouts; and the translated pages."""

import pytest
from wagtail.embeds.embeds import get_embed_hash
from wagtail.embeds.models import Embed
from wagtail.images.models import Image
from wagtail.images.tests.utils import get_test_image_file
from wagtail.models import Collection

from tests.factories import (
    CoursePageFactory,
    EnrolmentFactory,
    LessonPageFactory,
    UserFactory,
    catalog_page,
)

pytestmark = pytest.mark.django_db

VIDEO_URL = "https://www.youtube.com/watch?v=abcdefghijk"


def _image(title: str) -> Image:
    # A transactional test elsewhere may have emptied the tree of collections Wagtail's migrations made.
    root = Collection.get_first_root_node() or Collection.add_root(name="Root")
    return Image.objects.create(title=title, file=get_test_image_file(), collection=root)


@pytest.fixture
def learner_client(client):
    def open_lesson(body):
        course = CoursePageFactory()
        lesson = LessonPageFactory(parent=course, body=body)
        user = UserFactory()
        EnrolmentFactory(user=user, course=course)
        client.force_login(user)
        response = client.get(lesson.url)
        assert response.status_code == 200
        return response.content.decode()

    return open_lesson


def test_image_alt_text_comes_from_the_image_title(learner_client):
    """An image block's <img> carries the image's title as alt text, and the caption below."""
    image = _image("Схема клиент-сервер")
    html = learner_client([{"type": "image", "value": {"image": image.pk, "caption": "Рис. 1"}}])
    assert 'alt="Схема клиент-сервер"' in html
    assert '<figcaption class="figure-caption">Рис. 1</figcaption>' in html


def test_image_contextual_alt_text_wins_and_decorative_is_empty(learner_client):
    """Alt text written for this use of the image wins; a decorative image gets an empty alt."""
    image = _image("photo-0042")
    html = learner_client(
        [
            {
                "type": "image",
                "value": {"image": {"image": image.pk, "decorative": False, "alt_text": "Ученики у доски"}},
            },
            {"type": "image", "value": {"image": {"image": image.pk, "decorative": True, "alt_text": ""}}},
        ]
    )
    assert 'alt="Ученики у доски"' in html
    assert 'alt=""' in html


def test_video_player_frame_gets_the_title(learner_client):
    """The embedded player's frame is titled with the block's title (screen readers announce it)."""
    Embed.objects.create(
        url=VIDEO_URL,
        hash=get_embed_hash(VIDEO_URL),
        type="video",
        html='<iframe src="https://www.youtube.com/embed/abcdefghijk" allowfullscreen></iframe>',
    )
    html = learner_client(
        [
            {
                "type": "video",
                "value": {
                    "video": VIDEO_URL,
                    "title": "Как работает HTTP",
                    "transcript": "Браузер отправляет запрос.\n\nСервер отвечает страницей.",
                },
            }
        ]
    )
    assert '<iframe title="Как работает HTTP" src="https://www.youtube.com/embed/abcdefghijk"' in html
    # The text alternative follows the player, paragraph by paragraph.
    transcript = html.index('<div class="mt-2 video-transcript">')
    assert html.index("<iframe") < html.index("<summary>Text version of the video</summary>") < transcript
    assert "<p>Браузер отправляет запрос.</p>" in html[transcript:]
    assert "<p>Сервер отвечает страницей.</p>" in html[transcript:]


def test_video_without_text_alternative_shows_no_empty_section(learner_client):
    """A video whose text alternative is empty gets no empty "text version" disclosure."""
    value = {"video": "https://video.example.org/v/2", "title": "Урок", "transcript": ""}
    html = learner_client([{"type": "video", "value": value}])
    assert "Text version of the video" not in html


def test_video_from_unknown_provider_falls_back_to_a_link(learner_client):
    """When the address cannot be embedded, the learner gets a plain link to the video."""
    url = "https://video.example.org/v/1"
    html = learner_client([{"type": "video", "value": {"video": url, "title": "Урок", "transcript": ""}}])
    assert f'<a href="{url}" rel="noopener">Watch the video: Урок</a>' in html
    assert "<iframe" not in html


def test_callout_uses_title_or_kind(learner_client):
    """A callout shows its title, or the name of its kind when it has none."""
    html = learner_client(
        [
            {"type": "callout", "value": {"kind": "warning", "title": "", "text": "<p>Осторожно</p>"}},
            {"type": "callout", "value": {"kind": "tip", "title": "Попробуйте", "text": "<p>x</p>"}},
        ]
    )
    assert "alert-warning" in html
    assert ">Warning</p>" in html
    assert ">Попробуйте</p>" in html


@pytest.mark.parametrize(("language", "text"), [("ru", "Направления"), ("tt", "Юнәлешләр")])
def test_catalogue_is_translated(client, language, text):
    """The catalogue speaks Russian and Tatar."""
    response = client.get(catalog_page().url, HTTP_ACCEPT_LANGUAGE=language)
    assert text in response.content.decode()
