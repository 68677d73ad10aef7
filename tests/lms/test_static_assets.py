"""Light pages for slow connections: the static files are collected as production collects them
(hashed names, gzip and Brotli copies), a lesson page's first view stays within its download budget,
Chart.js reaches only the pages with a chart, and hashed files are cached for good."""

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse

from lyceums.models import StaffAssignment
from tests.factories import (
    EnrolmentFactory,
    LessonPageFactory,
    RegionFactory,
    StaffAssignmentFactory,
    UserFactory,
    code_block,
    paragraph_block,
)

# Compressed JS and CSS a lesson page may make a first-time visitor download.
LESSON_BUDGET_BYTES = 60_000
PRODUCTION_STORAGE = {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}
# Third-party apps' assets (the admins, the browsable API) that no page of the portal loads; leaving
# them out keeps the collection to seconds.
NOT_PORTAL_ASSETS = ["admin", "rest_framework", "wagtail*", "oauth2_provider", "account", "axe.min.js"]
# `import"./x.js"` or `import{a}from"./x.js"`: loaded with the module. `import("./x.js")`: on demand.
STATIC_IMPORT = re.compile(r"\bimport\s*(?:[^\"'();]*?\bfrom\s*)?[\"'](\.{1,2}/[^\"']+\.js)[\"']")
DYNAMIC_IMPORT = re.compile(r"\bimport\(\s*[\"'](\.{1,2}/[^\"']+\.js)[\"']\s*\)")

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def collected_root(tmp_path_factory) -> Path:
    """The portal's static files after `collectstatic` with production's storage."""
    root = tmp_path_factory.mktemp("static")
    with override_settings(
        STATIC_ROOT=root, STORAGES={**settings.STORAGES, "staticfiles": PRODUCTION_STORAGE}
    ):
        call_command("collectstatic", interactive=False, verbosity=0, ignore_patterns=NOT_PORTAL_ASSETS)
    return root


@pytest.fixture
def production_static(settings, collected_root) -> Path:
    settings.STATIC_ROOT = collected_root
    settings.STORAGES = {**settings.STORAGES, "staticfiles": PRODUCTION_STORAGE}
    return collected_root


class _PageAssets(HTMLParser):
    """The scripts and style sheets a page asks for as it loads."""

    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script" and attributes.get("src"):
            self.urls.append(attributes["src"])
        elif tag == "link" and {"stylesheet", "modulepreload"} & set((attributes.get("rel") or "").split()):
            self.urls.append(attributes["href"])


def _file(root: Path, url: str) -> Path:
    assert url.startswith(settings.STATIC_URL), url
    return root / url.removeprefix(settings.STATIC_URL)


def first_view_urls(root: Path, html: str) -> set[str]:
    """Every static URL a first view downloads: the page's scripts and style sheets and, transitively,
    the modules those scripts import statically (not the chunks they import on demand)."""
    parser = _PageAssets()
    parser.feed(html)
    pending, seen = list(parser.urls), set()
    while pending:
        url = pending.pop()
        if url in seen:
            continue
        seen.add(url)
        if url.endswith(".js"):
            source = _file(root, url).read_text()
            pending.extend(urljoin(url, spec) for spec in STATIC_IMPORT.findall(source))
    return seen


def compressed_size(path: Path, suffix: str) -> int:
    """What WhiteNoise sends a browser accepting that encoding (it keeps no copy that saves too little)."""
    compressed = path.with_name(path.name + suffix)
    return (compressed if compressed.exists() else path).stat().st_size


def test_lesson_first_view_fits_the_budget(client, production_static):
    """An enrolled learner's lesson (text and highlighted code) makes a first-time visitor download at
    most 60 KB of JS and CSS, compressed with gzip as with Brotli; Chart.js is not part of it."""
    learner = UserFactory()
    lesson = LessonPageFactory(body=[paragraph_block("<p>Welcome</p>"), code_block("print('hello')\n")])
    EnrolmentFactory(user=learner, course=lesson.get_parent().specific)
    client.force_login(learner)
    response = client.get(lesson.url)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<div class="highlight">' in html  # the lesson's own style sheet is part of the count

    urls = first_view_urls(production_static, html)
    assert {Path(url).suffix for url in urls} == {".js", ".css"}
    assert any("/courses/code." in url for url in urls)
    assert not any("charts-" in url for url in urls)
    for suffix in (".gz", ".br"):
        total = sum(compressed_size(_file(production_static, url), suffix) for url in urls)
        assert total <= LESSON_BUDGET_BYTES, (suffix, total, sorted(urls))


def test_dashboard_loads_chart_js_on_demand(client, production_static):
    """A coordinator's dashboard declares its chart, and the bundle every page loads fetches Chart.js
    (the chunk exporting renderChart) for it: present in the collected files, imported on demand only."""
    region = RegionFactory()
    coordinator = UserFactory()
    StaffAssignmentFactory(user=coordinator, role=StaffAssignment.Role.COORDINATOR, region=region)
    client.force_login(coordinator)
    response = client.get(reverse("lyceums:region", kwargs={"code": region.code}))
    assert response.status_code == 200
    html = response.content.decode()
    chart_id = re.search(r'<canvas data-chart="([\w-]+)"', html).group(1)
    assert f'<script id="{chart_id}" type="application/json">' in html

    bundle = next(url for url in first_view_urls(production_static, html) if "/dist/app." in url)
    on_demand = DYNAMIC_IMPORT.findall(_file(production_static, bundle).read_text())
    chunks = [_file(production_static, urljoin(bundle, spec)).read_text() for spec in on_demand]
    charts = [chunk for chunk in chunks if "renderChart" in chunk]
    assert len(charts) == 1
    assert len(charts[0]) > 100_000  # Chart.js itself, not a stub


def test_hashed_files_are_cached_for_good_and_compressed(client, production_static):
    """Manifest-hashed files and esbuild's content-hashed chunks are served immutable for a year, in
    Brotli to a browser that accepts it; a name without a hash may change, so it is cached briefly."""
    manifest = (production_static / "staticfiles.json").read_text()
    hashed_bundle = re.search(r'"dist/app\.js": "([^"]+)"', manifest).group(1)
    chunk = re.search(r'"(dist/chunks/charts-[A-Z0-9]+\.js)"', manifest).group(1)  # as the bundle names it

    response = client.get(settings.STATIC_URL + hashed_bundle, HTTP_ACCEPT_ENCODING="gzip, br")
    assert response.status_code == 200
    assert response["Content-Encoding"] == "br"
    assert "immutable" in response["Cache-Control"]
    assert "max-age=315360000" in response["Cache-Control"]

    response = client.get(settings.STATIC_URL + chunk, HTTP_ACCEPT_ENCODING="gzip")
    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    assert "immutable" in response["Cache-Control"]

    response = client.get(settings.STATIC_URL + "dist/app.js")
    assert response.status_code == 200
    assert "immutable" not in response["Cache-Control"]
