"""Article bodies are Markdown written by staff; the HTML shown to customers is sanitised
afterwards, because Markdown passes raw HTML through and an editor's account can be misused."""

import markdown
import nh3
from django.utils.safestring import SafeString, mark_safe

# What an FAQ article needs, and nothing that runs code or loads from elsewhere uninvited.
ALLOWED_TAGS = frozenset(
    {
        "a",
        "abbr",
        "b",
        "blockquote",
        "br",
        "code",
        "dd",
        "del",
        "details",
        "dl",
        "dt",
        "em",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "i",
        "img",
        "kbd",
        "li",
        "ol",
        "p",
        "pre",
        "s",
        "strong",
        "sub",
        "summary",
        "sup",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "ul",
    }
)
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "hreflang"},
    "abbr": {"title"},
    "img": {"src", "alt", "title", "width", "height"},
    "th": {"scope", "colspan", "rowspan"},
    "td": {"colspan", "rowspan"},
    "ol": {"start"},
}
# No javascript:, data: or vbscript: links; relative links to other help pages stay.
URL_SCHEMES = frozenset({"http", "https", "mailto", "tel"})
# Their text is code, not content: removed together with the tag.
STRIPPED_WITH_CONTENT = frozenset({"script", "style", "iframe", "object", "embed", "template"})

_EXTENSIONS = ["extra", "sane_lists"]


def sanitize_html(html: str) -> str:
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(STRIPPED_WITH_CONTENT),
        attributes={tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


def render_markdown(text: str) -> SafeString:
    """Markdown → HTML that is safe to put in a page as is."""
    html = markdown.markdown(text or "", extensions=_EXTENSIONS, output_format="html")
    # Safe: everything nh3 lets through is on the allow-lists above.
    return mark_safe(sanitize_html(html))  # noqa: S308
