"""StreamField blocks shared by every page that carries editorial text."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from wagtail import blocks
from wagtail.blocks.struct_block import StructBlockValidationError
from wagtail.embeds.blocks import EmbedBlock
from wagtail.images.blocks import ImageChooserBlock
from wagtail.rich_text import expand_db_html

PARAGRAPH_FEATURES = ["bold", "italic", "link", "superscript", "subscript", "strikethrough"]


def _expanded(source: str) -> str:
    """expand_db_html(source): Wagtail rewrites only <a ...> and <embed .../> tags (links to pages and
    documents, embeds), so a paragraph with neither is already its own front-end HTML (most are)."""
    if "<a" not in source and "<embed" not in source:
        return source
    return str(expand_db_html(source))


class ParagraphBlock(blocks.RichTextBlock):
    """A paragraph of article text, rendered as core/blocks/paragraph.html renders it, without its two templates.

    An article has dozens of paragraphs; the template and Wagtail's richtext
    wrapper were two template renders each, a sixth of a cold article render.
    The output is the same bytes. To migrations it is still a RichTextBlock.
    """

    def render(self, value: Any, context: Any = None) -> SafeString:
        block_id = (context or {}).get("block_id") or ""
        # RichText.__html__ renders wagtailcore/shared/richtext.html, which is {{ html|safe }} of this.
        # The template file's closing newline too, so the page is byte for byte what it was.
        return format_html('<div class="prose-p" data-block="{}">{}</div>\n', block_id, mark_safe(_expanded(value.source)))  # noqa: S308

    def deconstruct(self) -> tuple[str, tuple[Any, ...], dict[str, Any]]:
        _, args, kwargs = super().deconstruct()
        return "wagtail.blocks.RichTextBlock", args, kwargs


def not_a_drawing(image: Any) -> str | None:
    """Why an image may not stand where a photo goes (None when it may).

    The image library takes SVG for the magazine's logo (core.branding). A photo
    is converted (WebP on pages, JPEG in the editions), which a drawing cannot be:
    an SVG there would break every page that shows it.
    """
    if image is None or not image.is_svg():
        return None
    return (
        f"“{image.title}” is an SVG drawing, which only the magazine's logo may be (Settings → Magazine settings). "
        "Choose a photo or picture here: JPEG, PNG, WebP, AVIF or GIF."
    )


class CaptionedImageBlock(blocks.StructBlock):
    image = ImageChooserBlock()
    caption = blocks.CharBlock(required=False, max_length=300)
    credit = blocks.CharBlock(required=False, max_length=120, help_text="Photographer or agency, e.g. 'AP Images'.")

    class Meta:
        icon = "image"
        template = "core/blocks/captioned_image.html"

    def clean(self, value: Any) -> Any:
        cleaned = super().clean(value)
        problem = not_a_drawing(cleaned.get("image"))
        if problem:
            raise StructBlockValidationError(block_errors={"image": ValidationError(problem)})
        return cleaned


class PullQuoteBlock(blocks.StructBlock):
    quote = blocks.TextBlock()
    attribution = blocks.CharBlock(required=False, max_length=120)

    class Meta:
        icon = "openquote"
        template = "core/blocks/pull_quote.html"


class PreviewEndsBlock(blocks.StaticBlock):
    """Everything after this marker is for entitled readers only.

    Readers who may not read the article see the blocks before it; if there is
    no marker, they see only the standfirst.
    """

    class Meta:
        icon = "lock"
        label = "Subscriber preview ends here"
        admin_text = "Readers without access see everything above this line, then the subscribe box."
        template = "core/blocks/empty.html"


class EmbedWithCaptionBlock(blocks.StructBlock):
    embed = EmbedBlock()
    caption = blocks.CharBlock(required=False, max_length=300)

    class Meta:
        icon = "media"
        template = "core/blocks/embed.html"


class ArticleBodyBlock(blocks.StreamBlock):
    paragraph = ParagraphBlock(features=PARAGRAPH_FEATURES, template="core/blocks/paragraph.html")
    heading = blocks.CharBlock(max_length=200, template="core/blocks/heading.html", icon="title")
    pull_quote = PullQuoteBlock()
    image = CaptionedImageBlock()
    embed = EmbedWithCaptionBlock()
    preview_ends = PreviewEndsBlock()

    class Meta:
        block_counts = {"preview_ends": {"max_num": 1}}
