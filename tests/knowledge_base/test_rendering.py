import pytest

from knowledge_base.rendering import render_markdown


def test_markdown_formatting_is_kept():
    html = render_markdown("## Đổi trả\n\n**Bước 1**: *gọi* tổng đài.\n\n- một\n- hai")
    assert "<h2>Đổi trả</h2>" in html
    assert "<strong>Bước 1</strong>" in html
    assert "<em>gọi</em>" in html
    assert "<li>một</li>" in html


def test_script_tags_are_removed_with_their_content():
    html = render_markdown("Xin chào <script>alert('x')</script> bạn")
    assert "<script" not in html
    assert "alert" not in html
    assert "Xin chào" in html


@pytest.mark.parametrize(
    "source",
    [
        '<img src="x.png" onerror="alert(1)">',
        '<p onclick="alert(1)">hi</p>',
        '<a href="/" onmouseover="alert(1)">hi</a>',
    ],
)
def test_event_handler_attributes_are_removed(source):
    html = render_markdown(source)
    assert "alert" not in html
    assert "onerror" not in html and "onclick" not in html and "onmouseover" not in html


@pytest.mark.parametrize(
    "source",
    [
        "[bấm vào](javascript:alert(1))",
        '<a href="JaVaScRiPt:alert(1)">bấm</a>',
        '<a href="data:text/html;base64,PHNjcmlwdD4=">bấm</a>',
        '<a href="vbscript:msgbox(1)">bấm</a>',
    ],
)
def test_dangerous_link_schemes_are_removed(source):
    html = render_markdown(source).lower()
    assert "javascript:" not in html
    assert "data:" not in html
    assert "vbscript:" not in html


def test_safe_links_are_kept_and_do_not_leak_the_opener():
    html = render_markdown("[Trang chủ](https://example.vn/) và [email](mailto:hotro@example.vn)")
    assert 'href="https://example.vn/"' in html
    assert 'href="mailto:hotro@example.vn"' in html
    assert "noopener" in html


def test_iframes_styles_and_forms_are_removed():
    html = render_markdown(
        '<iframe src="https://evil.example"></iframe><style>body{}</style>'
        '<form action="/x"><input name="a"></form>text'
    )
    assert "<iframe" not in html
    assert "<style" not in html
    assert "<form" not in html and "<input" not in html
    assert "text" in html


def test_tables_from_markdown_are_kept():
    html = render_markdown("| Gói | Giá |\n|---|---|\n| Cơ bản | 100 |")
    assert "<table>" in html
    assert "<td>Cơ bản</td>" in html


def test_empty_body_renders_empty():
    assert render_markdown("") == ""
