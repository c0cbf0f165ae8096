"""Charts of the report, drawn with matplotlib as inline SVG (no network, no script).

Colours are the Okabe–Ito palette, safe for the common colour-vision deficiencies; text stays
text in the SVG (readable, searchable) and matplotlib escapes it, so a speaker called
``<script>`` is drawn as those characters. Each function returns an SVG string for the report
data of ``content.py``, or None when there is nothing to draw.

Every chart is drawn inside ``@literal_text``: matplotlib would otherwise read ``$...$`` in a
name as mathtext (``Pay $\\foo$ Back`` raised, valid TeX was drawn as maths) or pass it to LaTeX
under a user's ``text.usetex``. Names on an axis go through ``_label``: plain, one line, and cut
to ``_LABEL_CHARS`` characters, since the tables beside the chart carry them in full.
"""

from __future__ import annotations

import functools
import io
import warnings
from collections.abc import Callable
from typing import Any, TypeVar

from ..model import UNATTRIBUTED
from .content import percent, plain_text

#: Okabe & Ito (2008), "Color Universal Design": distinguishable with common colour-vision deficiencies.
OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
_ROLE_COLOURS = {"facilitator": "#0072B2", "host": "#CC79A7", "participant": "#E69F00", "unattributed": "#999999"}
_MODE_COLOURS = {"doing to": "#D55E00", "doing for": "#E69F00", "doing with": "#009E73"}


_LABEL_CHARS = 32
#: Every chart is this wide (inches; 72 pt each) and its text at least ``_SMALLEST`` pt, so that a
#: chart shrunk to a 390 px phone screen (about 358 px of page) still draws text of 9 px or more.
_WIDTH = 4.5
_SMALLEST = 9
_STYLE = {"svg.fonttype": "none", "font.size": 10, "font.family": "sans-serif",
          "axes.spines.top": False, "axes.spines.right": False,
          "text.parse_math": False, "text.usetex": False}

Chart = TypeVar("Chart", bound=Callable[..., "str | None"])


def literal_text(chart: Chart) -> Chart:
    """Draw ``chart`` with every text element taken literally (no mathtext, no LaTeX), in the report's style.

    The settings hold from the figure's creation to its SVG, since matplotlib reads them both when
    a text is made and when it is drawn; a glyph the metric font lacks (an emoji) is no warning,
    as the browser draws the SVG's text with its own fonts.
    """

    @functools.wraps(chart)
    def draw(*args: Any, **kwargs: Any) -> str | None:
        import matplotlib

        matplotlib.use("Agg")
        with matplotlib.rc_context(_STYLE), warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=r"Glyph \d+ .*missing from", category=UserWarning)
            return chart(*args, **kwargs)

    return draw  # type: ignore[return-value]


def _label(text: Any) -> str:
    """A name as an axis shows it: plain, on one line, and no longer than ``_LABEL_CHARS``."""
    text = " ".join(plain_text(text).split())
    return text if len(text) <= _LABEL_CHARS else text[:_LABEL_CHARS - 1] + "…"


def _figure(height: float):
    from matplotlib.figure import Figure

    # A fixed width with the axes fitted inside it (not grown around long labels), so every
    # chart shrinks by the same factor on a narrow screen and its text keeps its size.
    return Figure(figsize=(_WIDTH, height), layout="constrained")


def _time_axis(axes: Any, data: dict[str, Any]) -> None:
    """One time axis for every timeline: from the session's start to its end, in minutes."""
    # The axis is the recording's clock, so it ends where the speech ends (a lead-in stays visible).
    span = (data.get("airtime") or {}).get("session", {}).get("speech_span")
    end = span[1] if span else data.get("duration_seconds")
    if end:
        axes.set_xlim(0, end / 60)
    axes.set_xlabel("minutes since the start")


def _svg(figure: Any) -> str:
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg")
    text = buffer.getvalue()
    return text[text.index("<svg"):]  # drop the XML prolog and DOCTYPE: it is inlined in HTML


@literal_text
def airtime_chart(data: dict[str, Any]) -> str | None:
    """Every speaker and every attendee who never spoke: the quietest are whom the report is for."""
    rows = [s for s in data["airtime"]["speakers"] if s["share"] > 0 or s["name"] != UNATTRIBUTED]
    silent = list(data.get("silent_attendees", ()))
    if not rows:
        return None
    count = len(rows) + len(silent)
    figure = _figure(0.24 * count + 0.9)
    axes = figure.subplots()
    names = [_label(row["name"]) for row in rows] + [_label(name) for name in silent]
    shares = [row["share"] * 100 for row in rows] + [0.0] * len(silent)
    labels = [percent(row["share"]) for row in rows] + ["never spoke"] * len(silent)
    colours = [_ROLE_COLOURS.get(row["role"], "#E69F00") for row in rows] + ["#E69F00"] * len(silent)
    positions = list(range(count))[::-1]  # the largest share on top
    # Positions, not names, on the axis: two names cut to the same label stay two bars.
    axes.barh(positions, shares, color=colours)
    axes.set_yticks(positions, names)
    axes.set_ylim(-0.6, count - 0.4)
    top = max(shares)
    for position, share, label in zip(positions, shares, labels):
        axes.text(share + top * 0.01 + 0.3, position, label, va="center", fontsize=_SMALLEST)
    axes.set_xlabel("share of speaking time (%)" if data["basis"] == "seconds" else "share of words (%)")
    axes.set_xlim(0, top * 1.3 + 2)
    return _svg(figure)


@literal_text
def timeline_chart(data: dict[str, Any]) -> str | None:
    """A row for every speaker (none left out), turns placed on the session's time axis."""
    turns = [t for t in data["turns"] if t["start"] is not None and t["end"] is not None]
    if not turns:
        return None
    spoke = {t["speaker"] for t in turns}
    order = [s["name"] for s in data["airtime"]["speakers"] if s["name"] in spoke]
    lanes = {name: index for index, name in enumerate(reversed(order))}
    figure = _figure(0.22 * len(lanes) + 1.0)
    axes = figure.subplots()
    spans: dict[str, list[tuple[float, float]]] = {}
    for turn in turns:
        if turn["speaker"] in lanes:
            spans.setdefault(turn["speaker"], []).append(
                (turn["start"] / 60, max(0.05, (turn["end"] - turn["start"]) / 60)))
    for speaker, ranges in spans.items():  # one artist per lane: fast to draw, small SVG
        role = data["roles"].get(speaker, "participant")
        axes.broken_barh(ranges, (lanes[speaker] - 0.4, 0.8), color=_ROLE_COLOURS.get(role, "#E69F00"))
    axes.set_yticks(list(lanes.values()), [_label(name) for name in lanes])
    axes.set_ylim(-0.6, len(lanes) - 0.4)
    _time_axis(axes, data)
    return _svg(figure)


@literal_text
def windows_chart(data: dict[str, Any]) -> str | None:
    windows = [w for w in data["windows"] if w["facilitator_share"] is not None]
    if not windows:
        return None
    figure = _figure(2.2)
    axes = figure.subplots()
    axes.bar([w["start"] / 60 for w in windows], [w["facilitator_share"] * 100 for w in windows],
             width=[(w["end"] - w["start"]) / 60 * 0.9 for w in windows], align="edge", color=OKABE_ITO[0])
    target = data["airtime"]["session"]["target"] * 100
    axes.axhline(target, color=OKABE_ITO[5], linestyle="--", linewidth=1)
    axes.text(0, target + 2, f"target {target:.0f}%", color=OKABE_ITO[5], fontsize=_SMALLEST)
    axes.set_ylim(0, 105)
    _time_axis(axes, data)
    axes.set_ylabel("facilitator share (%)")
    return _svg(figure)


@literal_text
def codes_chart(data: dict[str, Any]) -> str | None:
    codes = [code for group in ("values", "spectrum") for code in data["codes"][group]]
    passages = [p for p in data["tags"]["passages"] if p["start"] is not None] if data["tags"] else []
    if not codes or not passages:
        return None
    lanes = {code["id"]: index for index, code in enumerate(reversed(codes))}
    modes = {code["id"]: code["mode"] for code in codes}
    names = {code["id"]: code["label"] for code in codes}
    figure = _figure(0.3 * len(lanes) + 1.0)
    axes = figure.subplots()
    spans: dict[str, list[tuple[float, float]]] = {}
    for passage in passages:
        labels = [tag["label"] for tag in passage["values"]]
        if passage["spectrum"]:
            labels.append(passage["spectrum"]["label"])
        length = max(0.1, ((passage["end"] or passage["start"]) - passage["start"]) / 60)
        for label in labels:
            if label in lanes:
                spans.setdefault(label, []).append((passage["start"] / 60, length))
    for label, ranges in spans.items():
        axes.broken_barh(ranges, (lanes[label] - 0.35, 0.7),
                         color=_MODE_COLOURS.get(modes.get(label, ""), OKABE_ITO[0]))
    axes.set_yticks(list(lanes.values()), [_label(names[code]) for code in lanes])
    axes.set_ylim(-0.6, len(lanes) - 0.4)
    _time_axis(axes, data)
    return _svg(figure)


# --- how the floor moved (issue 15)
#: Speakers the transition chart shows (those who spoke most); the JSON and the table carry all of them.
_TRANSITION_SPEAKERS = 10


@literal_text
def transition_chart(data: dict[str, Any]) -> str | None:
    """Who follows whom: a grid of speaker changes, the one who spoke before on the left, the one who
    took the floor along the top, each cell the number of times."""
    transitions = data["floor_moved"]["transitions"]
    if not transitions:
        return None
    counted = {(t["from"], t["to"]): t["count"] for t in transitions}
    present = {name for pair in counted for name in pair}
    order = [s["name"] for s in data["airtime"]["speakers"] if s["name"] in present][:_TRANSITION_SPEAKERS]
    size = len(order)
    grid = [[counted.get((before, after), 0) for after in order] for before in order]
    top = max(max(row) for row in grid) or 1
    figure = _figure(0.45 * size + 1.6)
    axes = figure.subplots()
    edges = [position - 0.5 for position in range(size + 1)]
    # pcolormesh, not imshow: cells stay vector paths (imshow embeds a raster <image> in the SVG).
    axes.pcolormesh(edges, edges, grid, cmap="Blues", vmin=0, vmax=top * 1.25, edgecolors="#ffffff", linewidth=1)
    axes.set_xlim(edges[0], edges[-1])
    axes.set_ylim(edges[-1], edges[0])  # the first speaker at the top
    for row, line in enumerate(grid):
        for column, count in enumerate(line):
            if count:
                axes.text(column, row, str(count), ha="center", va="center", fontsize=_SMALLEST,
                          color="#ffffff" if count > top * 0.6 else "#1b1b1b")
    labels = [_label(name) for name in order]
    # Positions, not names, on the axes: two names cut to the same label stay two rows.
    axes.set_xticks(range(size), labels, rotation=45, ha="left", fontsize=_SMALLEST)
    axes.set_yticks(range(size), labels, fontsize=_SMALLEST)
    axes.xaxis.tick_top()
    axes.set_xlabel("took the floor next")
    axes.xaxis.set_label_position("top")
    axes.set_ylabel("spoke before")
    for spine in axes.spines.values():
        spine.set_visible(False)
    return _svg(figure)
