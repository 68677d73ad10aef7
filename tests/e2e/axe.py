"""axe-core in the browser tests: the copy bundled from node_modules into the static files (never a
CDN), loaded from the portal itself because the content security policy refuses inline scripts."""

import json
from urllib.parse import urlparse

from django.conf import settings

AXE_SCRIPT = settings.BASE_DIR / "lms" / "static" / "dist" / "axe.min.js"


def serious_violations(page, context: str = "document") -> list[str]:
    """The serious and critical axe-core violations in `context` (a CSS selector, or the document)."""
    assert AXE_SCRIPT.exists(), "run `npm run build` to bundle axe-core"
    if not page.evaluate("typeof axe !== 'undefined'"):
        origin = "{0.scheme}://{0.netloc}".format(urlparse(page.url))
        page.add_script_tag(url=f"{origin}{settings.STATIC_URL}dist/axe.min.js")
    target = "document" if context == "document" else json.dumps({"include": [[context]]})
    results = page.evaluate(f"async () => await axe.run({target}, {{resultTypes: ['violations']}})")
    return [
        f"{violation['id']} ({violation['impact']}): "
        + "; ".join(", ".join(node["target"]) for node in violation["nodes"][:5])
        for violation in results["violations"]
        if violation["impact"] in ("serious", "critical")
    ]
