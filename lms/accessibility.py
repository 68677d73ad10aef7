"""The version for the visually impaired (GOST R 52872-2019, which follows WCAG 2.1).

A visitor switches it on and off from the bar at the top of every page; the choice lives in one cookie
that the server reads, so every page is rendered with the right classes on <html> from the first byte
(no flash, no script needed, anonymous visitors too). The style sheet (frontend/vision.css) does the
rest with CSS custom properties: the type size in three steps, three colour schemes, wider letter, word
and line spacing, and images replaced by their text alternative.

The cookie's value is "<size>.<scheme>.<spacing>.<images>", e.g. "2.wb.1.0"; a missing or malformed
cookie means the ordinary version. Pages served to a visitor with this cookie never come from the
anonymous page cache (lms.page_cache serves only requests without cookies of their own).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

COOKIE_NAME = "vision"
COOKIE_MAX_AGE = 365 * 24 * 60 * 60
SIZES = (1, 2, 3)
SCHEMES = {
    "bw": _("Black on white"),
    "wb": _("White on black"),
    "blue": _("Dark blue on light blue"),
}


@dataclass(frozen=True)
class VisionSettings:
    """What a visitor chose in the version for the visually impaired."""

    size: int = 1
    scheme: str = "bw"
    wide_spacing: bool = False
    images: bool = True

    @property
    def html_class(self) -> str:
        """The classes of the page's <html> element."""
        classes = ["vision", f"vision-size-{self.size}", f"vision-scheme-{self.scheme}"]
        if self.wide_spacing:
            classes.append("vision-spacing")
        if not self.images:
            classes.append("vision-no-images")
        return " ".join(classes)

    @property
    def cookie_value(self) -> str:
        return f"{self.size}.{self.scheme}.{int(self.wide_spacing)}.{int(self.images)}"

    @property
    def schemes(self) -> list[tuple[str, str]]:
        """The colour schemes, for the settings bar."""
        return list(SCHEMES.items())


def vision_settings_parse(value: str | None) -> VisionSettings | None:
    """The settings a cookie value holds, or None (the ordinary version) when it holds none."""
    parts = (value or "").split(".")
    if len(parts) != 4:
        return None
    size, scheme, spacing, images = parts
    flags = ("0", "1")
    if size not in [str(step) for step in SIZES] or scheme not in SCHEMES:
        return None
    if spacing not in flags or images not in flags:
        return None
    return VisionSettings(size=int(size), scheme=scheme, wide_spacing=spacing == "1", images=images == "1")


def vision_settings(request: HttpRequest) -> VisionSettings | None:
    """The visitor's settings, or None when they see the ordinary version."""
    return vision_settings_parse(request.COOKIES.get(COOKIE_NAME))


def vision_settings_change(current: VisionSettings | None, data) -> VisionSettings | None:
    """The settings after the visitor pressed one of the bar's buttons (`data`: the form's POST):
    `mode` on/off, `size`, `scheme`, `spacing` (wide/normal) or `images` (on/off). Unknown values
    change nothing."""
    if data.get("mode") == "off":
        return None
    settings = current or VisionSettings()
    size = data.get("size", "")
    if size in {str(step) for step in SIZES}:  # not isdigit(): "²" is a digit that int() refuses
        settings = replace(settings, size=int(size))
    if data.get("scheme") in SCHEMES:
        settings = replace(settings, scheme=data["scheme"])
    if data.get("spacing") in ("wide", "normal"):
        settings = replace(settings, wide_spacing=data["spacing"] == "wide")
    if data.get("images") in ("on", "off"):
        settings = replace(settings, images=data["images"] == "on")
    return settings


def vision_cookie_set(response: HttpResponse, settings: VisionSettings | None, *, secure: bool) -> None:
    """Remember the settings for a year, or forget them (the ordinary version)."""
    if settings is None:
        response.delete_cookie(COOKIE_NAME, samesite="Lax")
        return
    response.set_cookie(
        COOKIE_NAME,
        settings.cookie_value,
        max_age=COOKIE_MAX_AGE,
        samesite="Lax",
        httponly=True,
        secure=secure,
    )
