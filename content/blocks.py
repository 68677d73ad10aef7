"""Blocks for site pages; lessons reuse the same building blocks from `courses.blocks`."""

from django.utils.translation import gettext_lazy as _
from wagtail import blocks

from courses.blocks import CalloutBlock, CaptionedImageBlock, HeadingBlock, VideoBlock


class ContentStreamBlock(blocks.StreamBlock):
    heading = HeadingBlock()
    paragraph = blocks.RichTextBlock(
        label=_("Rich text"), icon="pilcrow", template="courses/blocks/paragraph.html"
    )
    image = CaptionedImageBlock()
    video = VideoBlock()
    callout = CalloutBlock()
