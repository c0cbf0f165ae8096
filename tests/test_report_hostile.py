"""Hostile text in the reports (issue 10): names, quotes, a title and a user codebook full of
payloads (script and style tags, HTML entities, on* handlers, mathtext and TeX, Markdown links and
images, javascript: URLs, autolinks and bare URLs, a right-to-left override, zero-width characters,
control characters, a 1,500-character word, a very long name, emoji).

The HTML must hold no active content from them and show each as its characters; the Markdown must
hold no live link, image, HTML or other markup from them and show each as its characters when a
CommonMark viewer renders it; every chart must draw them as literal text. The browser side (no
horizontal scroll at 500 and 390 px, no reordered text) is in test_report_browser.py.
"""

from __future__ import annotations

import json
import re
import tempfile
from html import unescape
from html.parser import HTMLParser

import pytest
from hypothesis import given
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from markupsafe import escape

from transcript_lens.analysis import analyse
from transcript_lens.report import charts
from transcript_lens.report.content import plain_text, report_data
from transcript_lens.report.html import render_html
from transcript_lens.report.markdown import _text, render_markdown
from transcript_lens.tagging.codebook import load_codebook
from transcript_lens.tagging.passages import build_passages
from transcript_lens.tagging.tagger import Tagger

from .conftest import FIXTURES
from .test_tagging import HashingEmbedder

PAYLOADS = FIXTURES / "report" / "hostile_payloads.json"
CODEBOOK = FIXTURES / "report" / "hostile_codebook.yaml"
SEGMENTS = json.loads(PAYLOADS.read_text(encoding="utf-8"))["segments"]
RTL_NAME = "Eve \u202eOverride"
TITLE = "Title " + "y" * 1500 + " \u202e[t](javascript:alert(10)) <script>alert(11)</script>"
HIDDEN = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("TRANSCRIPT_LENS_CACHE", str(tmp_path / "cache"))


def hostile_report_data() -> dict:
    """The report data of the payload fixture, the RTL name as facilitator, tagged with the hostile codebook."""
    analysis = analyse(PAYLOADS, facilitators=[RTL_NAME])
    book = load_codebook(CODEBOOK)
    tagging = Tagger(book, HashingEmbedder(), corrections={}).tag(build_passages(analysis.cues), source=str(PAYLOADS))
    return report_data(analysis, tagging, book, title=TITLE)


@pytest.fixture(scope="module")
def data() -> dict:
    with pytest.MonkeyPatch.context() as patch, tempfile.TemporaryDirectory() as cache:
        patch.setenv("TRANSCRIPT_LENS_CACHE", cache)
        return hostile_report_data()


def speaker_names(data: dict) -> list[str]:
    return [row["name"] for row in data["speaker_rows"]]


def shown(text: str) -> str:
    """What a reader sees of ``text`` on one line: no hidden characters, runs of space as one."""
    return " ".join(plain_text(text).split())


def test_the_fixture_reaches_every_part_of_the_report(data: dict) -> None:
    # Guards the tests below: each payload is in the data the writers get, so none passes by absence.
    # (The reader title-cases an all-lower-case name, so the names are taken from the data.)
    names = speaker_names(data)
    assert len(names) == len(SEGMENTS)
    for piece in ("<script>", "</style>", "onerror=", "$\\foo$", "$$", "](javascript:", "![", "&lt;", "\u202e",
                  "\u200b", "\x1b", "Longname " * 40, "x" * 1490, "\U0001F469", "<Https:", "~~"):
        assert any(piece.lower() in name.lower() for name in names), piece
    quoted = {shown(quote["text"]) for item in data["evidence"] for quote in item["quotes"]}
    assert {shown(segment["text"]) for segment in SEGMENTS[:4]} <= quoted
    assert RTL_NAME in {quote["speaker"] for item in data["evidence"] for quote in item["quotes"]}
    assert RTL_NAME in data["verdict"]
    assert "<script>" in data["method"]["codebook"]
    assert any("javascript:" in mode for mode in data["modes"])
    assert any(len(item["label"]) == 1500 for item in data["evidence"])


class _Page(HTMLParser):
    """Every element, attribute and text of an HTML page, and the text inside each ``<bdi>``."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.bdi: list[str] = []
        self.styles: list[str] = []  # the text of each <style> outside an <svg>
        self.all_styles: list[str] = []  # and of every <style>, matplotlib's in the SVGs too
        self._open_bdi: list[list[str]] = []
        self._svg = 0
        self._style: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "bdi":
            self._open_bdi.append([])
        self._svg += tag == "svg"
        if tag == "style":
            self._style = []

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        if tag == "bdi" and self._open_bdi:
            self.bdi.append("".join(self._open_bdi.pop()))
        self._svg -= tag == "svg"
        if tag == "style" and self._style is not None:
            self.all_styles.append("".join(self._style))
            if not self._svg:
                self.styles.append(self.all_styles[-1])
            self._style = None

    def handle_data(self, data):
        if self._style is not None:
            self._style.append(data)
            return
        self.text.append(data)
        for parts in self._open_bdi:
            parts.append(data)


def parse_html(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    page.close()
    return page


ACTIVE = {"script", "iframe", "frame", "frameset", "object", "embed", "img", "image", "form", "input", "button",
          "base", "a", "audio", "video", "source", "track", "foreignobject", "animate", "set"}
URL_ATTRIBUTES = {"href", "src", "srcset", "xlink:href", "action", "formaction", "poster", "background", "data"}


def assert_no_active_content(html: str) -> _Page:
    page = parse_html(html)
    tags = [tag for tag, _ in page.tags]
    assert ACTIVE.isdisjoint(tags), sorted(ACTIVE.intersection(tags))
    assert len(page.styles) == 1  # the template's own: a name's </style> opened no other
    assert "url(" not in page.styles[0] and "@import" not in page.styles[0]
    assert [attrs for tag, attrs in page.tags if tag == "link"] == [{"rel": "icon", "href": "data:,"}]
    for tag, attrs in page.tags:
        assert not [name for name in attrs if name.startswith("on")], (tag, attrs)
        for name, value in attrs.items():
            if name in URL_ATTRIBUTES:
                assert value == "data:," or (value or "").startswith("#"), (tag, name, value)
            if name == "style":
                assert not re.search(r"url\(\s*['\"]?(?!#)|expression\(|@import", value or "", re.I), (tag, value)
        if tag == "meta" and "http-equiv" in attrs:
            assert attrs["http-equiv"] == "Content-Security-Policy"
    # (external_references scans the raw page, text included: a name may say "url(http://" as text.)
    assert not [style for style in page.all_styles if re.search(r"url\(\s*['\"]?(?!#)|@import", style, re.I)]
    assert not HIDDEN.search(html)  # no control character or bidi override reaches the page
    return page


def test_the_html_report_has_no_active_content_and_shows_every_payload_as_text(data: dict) -> None:
    html = render_html(data)
    page = assert_no_active_content(html)
    text = "".join(page.text)
    for name in speaker_names(data):
        assert plain_text(name) in text, name
        assert plain_text(name) in page.bdi, name  # isolated: its direction cannot spill onto the text after it
    quotes = {shown(text) for text in page.bdi}
    for segment in SEGMENTS[:4]:
        assert shown(segment["text"]) in quotes
    assert plain_text(TITLE) in page.bdi
    assert plain_text(load_codebook(CODEBOOK).name) in page.bdi
    assert "default-src 'none'" in html


def test_the_summary_isolates_the_names_inside_it(data: dict) -> None:
    html = render_html(data)
    facilitator = re.search(r'<dt>Facilitators?</dt><dd>(.*?)</dd>', html).group(1)
    assert "<bdi>Eve Override</bdi>" in facilitator
    facts = dict(data["summary"]["facts"])
    assert re.sub(r"</?bdi>", "", facilitator) == str(escape(plain_text(facts.get("Facilitator")
                                                                         or facts["Facilitators"])))


# The Markdown is parsed the way CommonMark viewers do, with GitHub's tables and strikethrough.
COMMONMARK = MarkdownIt("commonmark").enable(["table", "strikethrough"])
LIVE = {"link_open", "image", "html_inline", "html_block", "em_open", "s_open", "ordered_list_open", "fence",
        "code_block", "hr", "lheading"}


def flat_tokens(markdown: str) -> list:
    tokens = []
    for token in COMMONMARK.parse(markdown):
        tokens.append(token)
        tokens.extend(token.children or [])
    return tokens


def shown_lines(markdown: str) -> list[str]:
    """The text of each inline element as a viewer shows it (escapes and entities resolved)."""
    return ["".join(child.content for child in token.children or [] if child.type != "softbreak")
            for token in COMMONMARK.parse(markdown) if token.type == "inline"]


def test_the_markdown_report_has_no_live_syntax_and_shows_every_payload_as_text(data: dict) -> None:
    markdown = render_markdown(data)
    tokens = flat_tokens(markdown)
    assert LIVE.isdisjoint(token.type for token in tokens), sorted(LIVE.intersection(t.type for t in tokens))
    # Headings and list items are the report's own: one per line it wrote them on, none from a payload;
    # and a report for people holds no code (the file's name is plain text, issue 14.4).
    lines = markdown.splitlines()
    assert sum(token.type == "heading_open" for token in tokens) == sum(line.startswith("#") for line in lines)
    assert sum(token.type == "list_item_open" for token in tokens) == sum(line.startswith("- ") for line in lines)
    assert [token.content for token in tokens if token.type == "code_inline"] == []
    assert f"from the file {PAYLOADS.name}." in "\n".join(shown_lines(markdown))
    # Nothing a GitHub-style viewer would link by itself: a scheme, www., an e-mail address.
    assert not re.search(r"(?i)\b(?:https?|javascript|data|vbscript|mailto|ftp):|\bwww\.|(?<!\\)@", markdown)
    assert not HIDDEN.search(markdown)
    visible = "\n".join(shown_lines(markdown))
    quotes = [segment["text"] for segment in SEGMENTS[:4]]
    for text in [*speaker_names(data), *quotes, TITLE, load_codebook(CODEBOOK).name]:
        assert shown(text) in visible, text


PLAIN_BLOCKS = {"text", "text_special", "inline", "paragraph_open", "paragraph_close", "blockquote_open",
                "blockquote_close", "table_open", "table_close", "thead_open", "thead_close", "tbody_open",
                "tbody_close", "tr_open", "tr_close", "th_open", "th_close", "td_open", "td_close"}

# Markdown punctuation, URL pieces, digits, space and line breaks: what could open any construct.
_MARKDOWN_ALPHABET = list("ab1 .:/-+#*_`[]()!<>&|\\~$@^=w\"';\n\t") + ["www.", "http://", "javascript:", "\u202e"]


@given(st.lists(st.sampled_from(_MARKDOWN_ALPHABET), max_size=30).map("".join))
def test_escaped_text_reads_back_as_itself_in_a_paragraph_a_quote_and_a_table(text: str) -> None:
    expected = shown(text)
    escaped = _text(text)
    for markdown, wrapper in ((escaped, "paragraph"), ("> " + escaped, "blockquote"),
                              (f"| a |\n|---|\n| {escaped} |", "table")):
        tokens = flat_tokens(markdown)
        inline = [token for token in tokens if token.type == "inline"]
        assert {child.type for token in inline for child in token.children} <= {"text", "text_special"}, markdown
        if expected:
            assert shown_lines(markdown)[-1] == expected, (wrapper, markdown)
        assert {token.type for token in tokens} <= PLAIN_BLOCKS, markdown


def test_every_chart_draws_hostile_text_literally(data: dict) -> None:
    import matplotlib

    before = dict(matplotlib.rcParams)
    # A user's matplotlibrc asking for LaTeX changes nothing: no name is ever handed to TeX.
    with matplotlib.rc_context({"text.usetex": True}):
        figures = {name: getattr(charts, name)(data)
                   for name in ("airtime_chart", "timeline_chart", "windows_chart", "codes_chart")}
    assert all(figures.values()), [name for name, svg in figures.items() if not svg]
    assert dict(matplotlib.rcParams) == before  # drawing leaves matplotlib's settings as it found them
    labels = [unescape(label) for svg in figures.values() for label in re.findall(r"<text\b[^>]*>([^<]*)</text>", svg)]
    for name in ("Pay $\\foo$ Back", "$$ Money Mike", "$\\frac{1}{2}$ Half \\textbf{Tex}", "Eve Override"):
        assert name in labels, name
    named = [unescape(label) for name in ("airtime_chart", "timeline_chart", "codes_chart")
             for label in re.findall(r"<text\b[^>]*>([^<]*)</text>", figures[name])]
    assert max(len(label) for label in named) == charts._LABEL_CHARS  # names cut, the tables carry them whole
    assert "Unbroken" + "x" * (charts._LABEL_CHARS - 9) + "…" in labels
    assert not any(HIDDEN.search(label) for label in labels)


def test_two_names_cut_to_one_label_stay_two_bars() -> None:
    rows = [{"name": "A" * 60 + str(index), "role": "participant", "share": 0.5} for index in range(2)]
    svg = charts.airtime_chart({"airtime": {"speakers": rows}, "basis": "seconds"})
    assert svg.count(">50%</text>") == 2


def test_terminal_tables_print_hostile_text_as_it_is(tmp_path) -> None:
    from transcript_lens.report.terminal import airtime_text, codebook_text, tags_text, turns_text

    vtt = tmp_path / "rich.vtt"
    vtt.write_text("WEBVTT\n\n1\n00:00:01.000 --> 00:00:04.000\nAnn: closing [/bold] tag, [link=http://example.org]x"
                   "[/link] \x1b]8;;http://example.org\x07osc\x1b]8;;\x07 \x1b[31mred\n", encoding="utf-8")
    analysis = analyse(vtt)
    printed = airtime_text(analysis) + turns_text(analysis)  # "[/bold]" raised MarkupError
    assert "closing [/bold] tag, [link=http://example.org]x[/link]" in printed
    assert "\x1b" not in printed and "\x07" not in printed
    hostile = analyse(PAYLOADS, facilitators=[RTL_NAME])
    book = load_codebook(CODEBOOK)
    tagging = Tagger(book, HashingEmbedder(), corrections={}).tag(build_passages(hostile.cues), source=str(PAYLOADS))
    printed = airtime_text(hostile) + turns_text(hostile) + tags_text(hostile, tagging) + codebook_text(book)
    assert "<script>alert(1)</script>" in printed and "[Click me](javascript:alert(4))" in printed
    assert not HIDDEN.search(printed)
