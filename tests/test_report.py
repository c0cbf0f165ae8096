"""The reflection report: hostile text stays text, the HTML is self-contained, failures leave no
file, and the Markdown report of a small fixture is pinned by a golden file."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from transcript_lens.analysis import analyse
from transcript_lens.cli import main
from transcript_lens.report.content import report_data
from transcript_lens.report.html import render_html
from transcript_lens.report.markdown import render_markdown
from transcript_lens.tagging.codebook import load_codebook
from transcript_lens.tagging.passages import build_passages
from transcript_lens.tagging.tagger import Tagger

from .conftest import FIXTURES, GOLDEN
from .test_tagging import TINY, HashingEmbedder

HOSTILE = FIXTURES / "report" / "hostile.vtt"
WORKSHOP = FIXTURES / "cli" / "workshop.vtt"
SESSION = FIXTURES / "report" / "coproduction_session.vtt"


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("TRANSCRIPT_LENS_CACHE", str(tmp_path / "cache"))


def fake_report(path, **options):
    analysis = analyse(path, **options)
    book = load_codebook(TINY)
    tagging = Tagger(book, HashingEmbedder(), corrections={}).tag(build_passages(analysis.cues), source=str(path))
    return report_data(analysis, tagging, book, title="Test session")


def test_hostile_text_is_shown_as_text_never_as_markup():
    data = fake_report(HOSTILE)
    html = render_html(data)
    assert "<script" not in html.lower()
    assert "<img" not in html.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(2)&gt;" in html
    markdown = render_markdown(data)
    assert "<script" not in markdown and "<img" not in markdown
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in markdown


def test_the_html_is_self_contained():
    html = render_html(fake_report(WORKSHOP, facilitators=["Rhian"]))
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", html, re.IGNORECASE)
    assert not re.search(r"url\(\s*['\"]?(?:https?:)?//|@import", html, re.IGNORECASE)
    assert "<svg" in html and 'role="img"' in html and 'lang="en"' in html
    assert '<link rel="icon" href="data:,">' in html


def test_a_failed_report_leaves_no_file(tmp_path):
    empty = tmp_path / "empty.vtt"
    empty.write_text("")
    target = tmp_path / "report.html"
    result = CliRunner().invoke(main, ["report", str(empty), "-o", str(target)])
    assert result.exit_code == 1 and "empty.vtt: is empty" in result.stderr
    assert not target.exists() and list(tmp_path.iterdir()) == [empty] or not target.exists()
    result = CliRunner().invoke(main, ["report", str(WORKSHOP), "-o", str(target), "--chat", str(empty)])
    assert result.exit_code == 1 and not target.exists()


@pytest.mark.slow
def test_golden_markdown_report(tmp_path, update_golden):
    target = tmp_path / "report.md"
    result = CliRunner().invoke(main, ["report", str(SESSION), "--to", "md", "-o", str(target),
                                       "--facilitator", "Rhian", "--attendees",
                                       str(FIXTURES / "cli" / "participants.csv"), "--title", "Workshop fixture"])
    assert result.exit_code == 0, result.stderr
    text = target.read_text(encoding="utf-8")
    golden = GOLDEN / "report_coproduction_session.md"
    if update_golden:
        golden.write_text(text, encoding="utf-8")
    assert golden.is_file(), "run `pytest --update-golden` once to create the golden file"
    assert text == golden.read_text(encoding="utf-8"), "the report changed: check it, then `pytest --update-golden`"


def test_chat_shows_as_participation_beside_speech():
    from transcript_lens.io import read_chat

    analysis = analyse(WORKSHOP, facilitators=["Rhian"])
    book = load_codebook(TINY)
    tagging = Tagger(book, HashingEmbedder(), corrections={}).tag(build_passages(analysis.cues))
    data = report_data(analysis, tagging, book, chat=read_chat(FIXTURES / "report" / "workshop_chat.txt"))
    rows = {row["name"]: row for row in data["chat"]["rows"]}
    assert data["chat"]["messages"] == 4  # the reaction is left out
    assert data["chat"]["only_chat"] == 1
    assert (rows["Morgan Hughes"]["messages"], rows["Morgan Hughes"]["spoken_words"]) == (2, 0)
    assert (rows["Tom Evans"]["messages"], rows["Tom Evans"]["spoken_words"]) == (0, 17)
    assert "Chat as participation" in render_html(data) and "Chat as participation" in render_markdown(data)
