"""The post-workshop report in a real browser: headless Chromium opens it, screenshots it and prints it.

The report must be one self-contained file: it renders (the screenshot is not one flat colour), asks
the server for nothing but itself (no images, stylesheets, fonts or favicon from elsewhere), logs
nothing to the console, prints to at least two pages, and names no external URL at all.

test_the_browser_harness_sees_requests_and_console shows that each check can fail: a page that
fetches a missing image and logs an error is caught, a blank page reads as blank, and external
references are found.

The report of the hostile fixture (issue 10; built with the fake embedder, see
test_report_hostile.py) must run no script and fetch nothing, fit a 500 px and a 390 px wide
screen without a horizontal scroll bar (a 1,500-character word once made it 12,629 px wide), and
keep the text after a name holding a right-to-left override in its order.
test_the_layout_harness_sees_overflow_and_reversed_text shows those two checks can fail.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from .browser import external_references, measure_layout, pdf_page_count, png_is_blank, print_to_pdf, screenshot

pytestmark = pytest.mark.slow

REPORT_TIMEOUT_S = 900

HARNESS_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>harness</title></head>
<body>
<h1>Harness check</h1>
<p>This page fetches an image that is not there and logs an error.</p>
<img src="/missing.png" alt="">
<script>console.error("boom")</script>
<div style="break-before: page">Second page.</div>
</body></html>
"""

BLANK_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>blank</title></head>
<body></body></html>
"""

EXTERNAL_PAGE = """<!doctype html><html><head>
<link rel="stylesheet" href="https://cdn.example.org/a.css">
<style>@import "//fonts.example.org/b.css"; body { background: url( 'http://example.org/c.png' ) }</style>
<script src="local.js"></script>
</head><body><img src='//example.org/d.png'>
<svg xmlns="http://www.w3.org/2000/svg"><a href="#top">top</a></svg></body></html>
"""


def test_the_browser_harness_sees_requests_and_console(tmp_path: Path) -> None:
    page = tmp_path / "harness.html"
    page.write_text(HARNESS_PAGE, encoding="utf-8")

    shot = screenshot(page, tmp_path / "harness.png")
    assert shot.returncode == 0, shot.stderr[-4000:]
    assert shot.requested[0] == "/harness.html"
    assert "/missing.png" in shot.requested
    assert any("boom" in line for line in shot.console), shot.console
    assert not png_is_blank(shot.output)

    printed = print_to_pdf(page, tmp_path / "harness.pdf")
    assert printed.returncode == 0, printed.stderr[-4000:]
    assert "/missing.png" in printed.requested
    assert pdf_page_count(printed.output) == 2

    blank = tmp_path / "blank.html"
    blank.write_text(BLANK_PAGE, encoding="utf-8")
    empty = screenshot(blank, tmp_path / "blank.png")
    assert empty.requested == ["/blank.html"]
    assert empty.console == []
    assert png_is_blank(empty.output)

    found = external_references(EXTERNAL_PAGE)
    assert len(found) == 5, found
    assert any("cdn.example.org" in ref for ref in found)
    assert any("fonts.example.org" in ref for ref in found)
    assert any("http://example.org/c.png" in ref for ref in found)
    assert any(ref.lower().startswith("<script") for ref in found)
    assert any("//example.org/d.png" in ref for ref in found)
    assert external_references(HARNESS_PAGE) == []


# The report is built once and opened once per mode; the tests below share the results.


@pytest.fixture(scope="module")
def _runs() -> dict:
    return {}


@pytest.fixture
def built(seed: Path, tmp_path_factory: pytest.TempPathFactory, _runs: dict) -> tuple:
    if "built" not in _runs:
        out = tmp_path_factory.mktemp("report") / "report.html"
        done = subprocess.run(
            [sys.executable, "-m", "transcript_lens.cli", "report", str(seed), "-o", str(out)],
            capture_output=True,
            text=True,
            timeout=REPORT_TIMEOUT_S,
        )
        _runs["built"] = (done, out)
    return _runs["built"]


@pytest.fixture
def report(built: tuple) -> Path:
    done, out = built
    if done.returncode != 0 or not out.is_file():
        pytest.fail(f"transcript-lens report exited {done.returncode}, writing no {out.name}:\n{done.stderr[-4000:]}")
    return out


@pytest.fixture
def shot(report: Path, _runs: dict):
    if "shot" not in _runs:
        _runs["shot"] = screenshot(report, report.with_suffix(".png"))
    return _runs["shot"]


@pytest.fixture
def printed(report: Path, _runs: dict):
    if "printed" not in _runs:
        _runs["printed"] = print_to_pdf(report, report.with_suffix(".pdf"))
    return _runs["printed"]


def test_the_report_command_exits_0(built: tuple) -> None:
    done, out = built
    assert done.returncode == 0, done.stderr[-4000:]
    assert out.is_file() and out.stat().st_size > 0


def test_the_report_renders_something(shot) -> None:
    assert shot.returncode == 0, shot.stderr[-4000:]
    assert shot.output.is_file()
    assert not png_is_blank(shot.output)


def test_the_report_requests_nothing_but_itself(shot, printed, report: Path) -> None:
    assert shot.requested == [f"/{report.name}"]
    assert printed.requested == [f"/{report.name}"]


def test_the_report_logs_nothing_to_the_console(shot, printed) -> None:
    assert shot.console == []
    assert printed.console == []


def test_the_report_prints_to_at_least_two_pages(printed) -> None:
    assert printed.returncode == 0, printed.stderr[-4000:]
    assert pdf_page_count(printed.output) >= 2


def test_the_report_html_references_nothing_external(report: Path) -> None:
    assert external_references(report.read_text(encoding="utf-8")) == []


# ---- the hostile report (issue 10) ----------------------------------------------------------

WIDE_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>wide</title></head>
<body><p>%s</p><p>Eve \u202eOverride, at 0:05 (lines 3-4)</p></body></html>""" % ("w" * 1500)

# Text that follows a speaker's name (the quote footers, the summary's facilitator line) or an override in a quote.
AFTER_NAMES = [", at ", "% of the speaking time — ", " and this text comes after"]


def test_the_layout_harness_sees_overflow_and_reversed_text(tmp_path: Path) -> None:
    page = tmp_path / "wide.html"
    page.write_text(WIDE_PAGE, encoding="utf-8")
    layout = measure_layout(page, 390, [", at "], tmp_path)
    assert layout.inner_width == 390
    assert layout.scroll_width > layout.client_width
    assert len(layout.found) == 1 and layout.reversed_needles() == layout.found


@pytest.fixture(scope="module")
def hostile_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from transcript_lens.report.html import render_html

    from .test_report_hostile import hostile_report_data

    folder = tmp_path_factory.mktemp("hostile")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TRANSCRIPT_LENS_CACHE", str(folder / "cache"))
        html = render_html(hostile_report_data())
    out = folder / "hostile.html"
    out.write_text(html, encoding="utf-8")
    return out


def test_the_hostile_report_runs_nothing_and_fetches_nothing(hostile_report: Path, tmp_path: Path) -> None:
    shot = screenshot(hostile_report, tmp_path / "hostile.png")
    assert shot.returncode == 0, shot.stderr[-4000:]
    assert not png_is_blank(shot.output)
    assert shot.requested == [f"/{hostile_report.name}"]
    assert shot.console == []  # no alert(), no error, no blocked script or fetch reported


@pytest.mark.parametrize("width", [500, 390])
def test_the_hostile_report_fits_a_narrow_screen_in_reading_order(hostile_report: Path, tmp_path: Path,
                                                                  width: int) -> None:
    layout = measure_layout(hostile_report, width, AFTER_NAMES, tmp_path)
    assert layout.inner_width == width
    assert layout.scroll_width <= layout.client_width, f"{layout.scroll_width} px wide in a {width} px viewport"
    assert {item["needle"] for item in layout.found} == set(AFTER_NAMES)
    assert layout.reversed_needles() == []


# Issue 14: the seed's report on a phone and on a desktop — every speaker in the airtime view, chart
# text legible at 390 px, nothing scrolling sideways, and no command syntax or code in the text.


@pytest.fixture(scope="module")
def _layouts() -> dict:
    return {}


@pytest.fixture(params=[390, 1280])
def layout(request, seed: Path, report: Path, tmp_path_factory: pytest.TempPathFactory, _layouts: dict):
    import json

    width = request.param
    if width not in _layouts:
        names = [row["name"] for row in json.loads(subprocess.run(
            [sys.executable, "-m", "transcript_lens.cli", "airtime", str(seed), "--json"],
            capture_output=True, text=True, timeout=REPORT_TIMEOUT_S).stdout)["speakers"]]
        _layouts[width] = (measure_layout(report, width, names, tmp_path_factory.mktemp(f"w{width}")), names)
    return width, *_layouts[width]


def test_every_speaker_is_in_the_airtime_chart_and_the_table(layout) -> None:
    width, measured, names = layout
    seen = {}
    for item in measured.found:
        seen[item["needle"]] = seen.get(item["needle"], 0) + 1
    # Each name at least three times: the airtime chart, the timeline and the table.
    assert len(names) > 20 and [name for name in names if seen.get(name, 0) < 3] == []


def test_the_page_never_scrolls_sideways(layout) -> None:
    width, measured, _ = layout
    assert measured.inner_width == width
    assert measured.scroll_width <= measured.client_width, f"{measured.scroll_width} px wide in a {width} px viewport"


def test_chart_text_is_at_least_9_px(layout) -> None:
    width, measured, _ = layout
    assert measured.chart_text, "no chart text measured"
    smallest = min(measured.chart_text, key=lambda item: item[1])
    assert smallest[1] >= 9, f"{smallest[0]!r} is drawn {smallest[1]:.1f} px high at {width} px"


def test_no_command_syntax_or_code_in_the_text(layout) -> None:
    import re

    _, measured, _ = layout
    text = measured.body_text
    assert "Summary" in text and "Airtime" in text
    assert "`" not in text and "transcript-lens" not in text and "--" not in text
    # No code id (a format's or a code's): words joined by underscores, but the tool's own name.
    ids = [word for word in re.findall(r"\b[a-z]+_[a-z_]+\b", text) if word != "transcript_lens"]
    assert ids == []
