"""Open one HTML file in headless Chromium, the way a reader's browser would, and say what it did.

The file is served alone from a local ``http.server`` on 127.0.0.1 (a free port, a background thread)
that logs every path it is asked for, so a page that reaches for anything besides itself (an image,
a stylesheet, a favicon) shows up in ``BrowserRun.requested``. Chromium runs headless with flags fit
for root in a sandbox without network, once per call: a screenshot (``screenshot``), a printed PDF
(``print_to_pdf``) or a layout measured at a given viewport width (``measure_layout``). Its console
messages and uncaught errors are picked out of its stderr.

No test functions here: tests/test_report_browser.py uses this. Without a Chromium binary the
calling test skips, except when the environment variable CI is set: CI must have it (.ci/run
installs Debian's ``chromium``).
"""

from __future__ import annotations

import http.server
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pytest

TIMEOUT_S = 60
BINARIES = ("chromium", "chromium-browser")

FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",  # containers often have a small /dev/shm
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--enable-logging=stderr",
    "--v=0",
)
WINDOW = (1280, 2000)


@dataclass
class BrowserRun:
    """What one headless Chromium run did with the page."""

    url: str
    requested: list[str]  # every path the server was asked for, in order
    console: list[str]  # stderr lines with "CONSOLE" or "Uncaught"
    output: Path  # the PNG or PDF Chromium wrote
    returncode: int
    stderr: str = field(repr=False)
    stdout: str = field(default="", repr=False)


def chromium() -> str:
    """The Chromium binary; skips the calling test without one (fails instead when CI is set)."""
    for name in BINARIES:
        found = shutil.which(name)
        if found:
            return found
    reason = "Chromium is not installed (Debian: apt-get install chromium; .ci/run installs it)"
    if os.environ.get("CI"):
        pytest.fail(f"{reason}, and CI is set: CI must have it")
    pytest.skip(reason)


class _OneFileServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, page: Path) -> None:
        self.page = page
        self.requested: list[str] = []
        self.lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _OneFileHandler)


class _OneFileHandler(http.server.BaseHTTPRequestHandler):
    server: _OneFileServer

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self._answer(body=True)

    def do_HEAD(self) -> None:  # noqa: N802
        self._answer(body=False)

    def _answer(self, body: bool) -> None:
        with self.server.lock:
            self.server.requested.append(self.path)
        if self.path != "/" + self.server.page.name:
            self.send_error(404)
            return
        data = self.server.page.read_bytes()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if body:
            self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass  # the paths are kept in server.requested; keep pytest's output quiet


def _run(html: Path, output: Path, mode_flags: list[str], window: tuple[int, int] = WINDOW) -> BrowserRun:
    binary = chromium()
    html = Path(html).resolve()
    output = Path(output).resolve()
    output.unlink(missing_ok=True)
    server = _OneFileServer(html)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}/{html.name}"
    try:
        with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
            command = [binary, *FLAGS, f"--window-size={window[0]},{window[1]}", f"--user-data-dir={profile}",
                       *mode_flags, url]
            # A session of its own, so a timeout ends the wrapper script, the browser and its
            # helper processes together rather than leaving them holding the pipes.
            process = subprocess.Popen(
                command,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                stdin=subprocess.DEVNULL,
                text=True,
                errors="replace",
                start_new_session=True,
            )
            try:
                stdout, stderr = process.communicate(timeout=TIMEOUT_S)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                stdout, stderr = process.communicate()
                pytest.fail(f"Chromium took over {TIMEOUT_S} s on {url}:\n{stderr[-4000:]}")
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
    console = [line for line in stderr.splitlines() if "CONSOLE" in line or "Uncaught" in line]
    return BrowserRun(
        url=url,
        requested=list(server.requested),
        console=console,
        output=output,
        returncode=process.returncode,
        stderr=stdout + stderr,
        stdout=stdout,
    )


def screenshot(html: Path, png: Path | None = None) -> BrowserRun:
    """Load ``html`` in headless Chromium (1280x2000) and screenshot it to ``png``."""
    html = Path(html)
    png = Path(png) if png else html.with_suffix(".png")
    return _run(html, png, [f"--screenshot={png.resolve()}"])


def print_to_pdf(html: Path, pdf: Path | None = None) -> BrowserRun:
    """Load ``html`` in headless Chromium and print it to ``pdf``, without header or footer."""
    html = Path(html)
    pdf = Path(pdf) if pdf else html.with_suffix(".pdf")
    return _run(html, pdf, [f"--print-to-pdf={pdf.resolve()}", "--no-pdf-header-footer"])


# measure_layout opens the page in an iframe of the width asked for (headless Chromium will not
# make its window narrower than 500 px) and, once it has loaded, measures it from the outer page:
# the iframe's viewport and document width, and the box (left, top) of each character of every
# occurrence of each needle, written into the outer DOM that --dump-dom prints. The page itself is
# unchanged and its own Content-Security-Policy still holds inside the iframe.
_MEASURE = """<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"></head>
<body style="margin:0"><script>
function measure(frame) {
  const needles = %(needles)s;
  const page = frame.contentDocument;
  const found = [];
  const walker = page.createTreeWalker(page.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    for (const needle of needles) {
      for (let at = node.data.indexOf(needle); at >= 0; at = node.data.indexOf(needle, at + 1)) {
        const boxes = [];
        for (let k = 0; k < needle.length; k++) {
          const range = page.createRange();
          range.setStart(node, at + k);
          range.setEnd(node, at + k + 1);
          const box = range.getBoundingClientRect();
          boxes.push([box.left, box.top]);
        }
        found.push({needle, boxes});
      }
    }
  }
  // The size each chart text is drawn at on screen: its font size times the scale its SVG is shown at.
  const chartText = [];
  for (const text of page.querySelectorAll("svg text")) {
    const matrix = text.getScreenCTM();
    const size = parseFloat(frame.contentWindow.getComputedStyle(text).fontSize);
    if (matrix && size && text.textContent.trim()) {
      chartText.push([text.textContent, size * Math.hypot(matrix.a, matrix.b)]);
    }
  }
  const out = document.createElement("pre");
  out.id = "measured";
  out.textContent = JSON.stringify({innerWidth: frame.contentWindow.innerWidth,
                                    clientWidth: page.documentElement.clientWidth,
                                    scrollWidth: page.documentElement.scrollWidth, found, chartText,
                                    bodyText: page.body.innerText});
  document.body.appendChild(out);
}
</script>
<iframe style="width:%(width)dpx;height:900px;border:0" onload="measure(this)" srcdoc="%(page)s"></iframe>
</body></html>"""
_MEASURED = re.compile(r'<pre id="measured">(.*?)</pre>', re.DOTALL)


@dataclass(frozen=True)
class Layout:
    """How wide the page laid out at one viewport width, and where the needles' characters fell."""

    inner_width: int  # the viewport the page had
    client_width: int  # the document's visible width
    scroll_width: int  # the document's full width: over client_width means a horizontal scroll bar
    found: list[dict]  # per needle occurrence: {"needle", "boxes": [left, top] of each character, in order}
    chart_text: list = field(default_factory=list)  # [text, px it is drawn at] for each SVG text element
    body_text: str = ""  # the page's text as a reader sees it (innerText)

    def reversed_needles(self) -> list[dict]:
        """Occurrences with a character drawn left of the one before it on the same line: text running
        right to left. (A needle broken over two lines is compared within each line.)"""
        return [item for item in self.found
                if any(abs(first[1] - second[1]) < 1 and second[0] < first[0]
                       for first, second in zip(item["boxes"], item["boxes"][1:]))]


def measure_layout(html: Path, width: int, needles: list[str], workdir: Path) -> Layout:
    """Lay out ``html`` in headless Chromium with a viewport ``width`` CSS pixels wide and measure it."""
    import html as html_module

    page = html_module.escape(Path(html).read_text(encoding="utf-8"), quote=True)
    outer = Path(workdir) / f"measure_{width}_{Path(html).name}"
    outer.write_text(_MEASURE % {"needles": json.dumps(needles), "width": width, "page": page}, encoding="utf-8")
    run = _run(outer, outer.with_suffix(".dom"), ["--dump-dom"])
    if run.returncode != 0:
        pytest.fail(f"Chromium exited {run.returncode} measuring {outer.name}:\n{run.stderr[-4000:]}")
    match = _MEASURED.search(run.stdout)
    if match is None:
        pytest.fail(f"the measuring script left no result in {outer.name}:\n{run.stderr[-4000:]}")
    measured = json.loads(html_module.unescape(match.group(1)))
    return Layout(inner_width=measured["innerWidth"], client_width=measured["clientWidth"],
                  scroll_width=measured["scrollWidth"], found=measured["found"],
                  chart_text=measured.get("chartText", []), body_text=measured.get("bodyText", ""))


def png_is_blank(path: Path, epsilon: float = 1e-4) -> bool:
    """True when the image is one colour throughout (every channel's pixel std below ``epsilon``)."""
    import matplotlib.image
    import numpy as np

    pixels = np.asarray(matplotlib.image.imread(str(path)), dtype=float)
    if pixels.ndim == 2:  # greyscale
        pixels = pixels[..., None]
    if pixels.dtype.kind in "ui" or pixels.max() > 1.0:  # 8-bit values, not 0..1 floats
        pixels = pixels / 255.0
    channels = pixels.reshape(-1, pixels.shape[-1])
    return bool(channels.std(axis=0).max() < epsilon)


_PAGE = re.compile(rb"/Type\s*/Page(?![A-Za-z])")


def pdf_page_count(path: Path) -> int:
    """Number of page objects in a PDF: ``/Type /Page`` not followed by ``s`` (the page tree).

    Chromium's (Skia's) PDFs keep page dictionaries uncompressed, so counting them in the bytes works.
    """
    return len(_PAGE.findall(Path(path).read_bytes()))


# An external reference: an absolute or protocol-relative URL in src=, srcset=, href=, url( or
# @import, or any <script src=...>. SVG's xmlns="http://www.w3.org/2000/svg" is a name, not a fetch.
_Q = r"""\s*["']?\s*"""
_EXTERNAL = re.compile(
    r"\b(?:src|srcset|href)\s*=" + _Q + r"(?:https?:)?//[^\s\"'>)]*"
    r"|url\(" + _Q + r"(?:https?:)?//[^\s\"'>)]*"
    r"|@import\s*(?:url\()?" + _Q + r"(?:https?:)?//[^\s\"'>);]*"
    r"|<script\b[^>]*\bsrc\s*=[^>]*>",
    re.IGNORECASE,
)


def external_references(html: str) -> list[str]:
    """Every external URL (``http://``, ``https://``, ``//``) the page would fetch, and every ``<script src``."""
    return [match.group(0) for match in _EXTERNAL.finditer(html)]
