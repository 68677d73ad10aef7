"""Static files served by WhiteNoise, cached for good by browsers when their name says their content.

WhiteNoise marks the names ManifestStaticFilesStorage gives files (`app.3f2a…c1.js`) immutable. The
chunks esbuild splits off the bundle (`dist/chunks/charts-RNBAVC6N.js`, see frontend/build.mjs) carry
their own content hash, and the bundle imports them by that name, so they are immutable too: without
this, a dashboard would revalidate Chart.js every minute."""

import re

from whitenoise.middleware import WhiteNoiseMiddleware

ESBUILD_CHUNK = re.compile(r"/dist/chunks/[\w-]+-[A-Z0-9]{8}\.js$")


class StaticFilesMiddleware(WhiteNoiseMiddleware):
    """WhiteNoise, with esbuild's content-hashed chunks served as immutable."""

    def immutable_file_test(self, path: str, url: str) -> bool:
        return super().immutable_file_test(path, url) or (
            url.startswith(self.static_prefix) and bool(ESBUILD_CHUNK.search(url))
        )
