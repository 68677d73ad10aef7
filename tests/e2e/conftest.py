import os

import pytest

# Playwright's sync API runs an event loop in the test thread; Django refuses database access from a
# thread with a running loop unless told that this is intended.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def chromium():
    """Debian's Chromium driven by Playwright, started once per test process: each test gets a fresh
    context of its own (cookies, storage), which costs milliseconds instead of a browser start."""
    from playwright.sync_api import sync_playwright

    from tests.services import chromium_path

    executable = chromium_path()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def browser_page(chromium):
    """A page in a fresh browser context, in English."""
    context = chromium.new_context(locale="en-GB")
    context.set_default_timeout(20_000)
    page = context.new_page()
    refused = []
    page.on(
        "console",
        lambda message: refused.append(message.text) if "Content Security Policy" in message.text else None,
    )
    try:
        yield page
        # Every page the test visited ran under the portal's content security policy without a refused
        # script, style or frame.
        assert refused == [], refused
    finally:
        context.close()
