"""The cross-session dashboard: one self-contained HTML page drawn from a batch results database.

It reads the database ``batch`` wrote (``store.py``), read-only, and shows each session's
facilitator share against the target, participants' equity (Gini), silent attendees, how much of
each session's talk touched each value and spectrum position (the expected share of its words from
the tags' probabilities, with a 95% range, as the batch stored it in ``coverage``; columns named by
the codebook's labels, never its ids), the sessions ranked by participants' share, and the files
that failed. It computes nothing the batch did not store, except for sessions stored before the
``coverage`` table (schema version 1): for those it counts tagged passages over passages, as it
did then, and says so beside them. A database with neither sessions nor
failures raises ``OptionError`` (there is nothing to show; run ``batch`` first); one where every
file failed gives a page that says no session could be analysed and lists the failures.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

from ..equity import DEFAULT_TARGET
from ..errors import OptionError
from ..store import has_table, open_store
from . import charts
from .content import clock, percent
from .html import template_environment

_ISO_DATE = re.compile(r"\d{4}-\d\d-\d\d")
_KINDS = ("value", "spectrum")
_MODES = ("doing to", "doing for", "doing with")
_MAX_TICKS = 24


def render_dashboard(db_path: str | Path, *, target: float = DEFAULT_TARGET) -> str:
    """The dashboard of the results database at ``db_path``, as HTML text.

    Raises ``OptionError`` (naming the path) for a missing file, a file that is not a results
    database, a newer schema, and a database holding neither sessions nor failures.
    """
    data = dashboard_data(db_path, target=target)
    # The charts are a time series: an undated session has no place on it (the tables list it).
    dated = [s for s in data["sessions"] if s["date"]]
    figures = {"facilitator": facilitator_chart(dated, data["target"]), "gini": gini_chart(dated),
               "silent": silent_chart(dated)} if dated else {}
    if dated:
        figures["floor"] = floor_chart(dated, data["floor"])
    return template_environment().get_template("dashboard.html.j2").render(d=data, charts=figures, pct=percent)


def dashboard_data(db_path: str | Path, *, target: float = DEFAULT_TARGET) -> dict[str, Any]:
    """Everything the dashboard shows, as plain data: sessions in date order (then path), numbered from 1."""
    import duckdb

    connection = open_store(db_path, read_only=True)
    try:
        sessions = _rows(connection, """
            SELECT session_id, path, title, date, basis, duration_seconds, speakers, attendees, silent_attendees,
                   facilitator, facilitator_share, participants_share, gini, speakers_inferred, tagged
            FROM sessions ORDER BY date NULLS LAST, path""")
        passages = dict(connection.execute(
            "SELECT session_id, count(DISTINCT passage_index) FROM passages GROUP BY session_id").fetchall())
        tags = _rows(connection, """
            SELECT session_id, code, any_value(kind) AS kind, any_value(mode) AS mode,
                   count(DISTINCT passage_index) AS passages
            FROM tags GROUP BY session_id, code""")
        stored = _rows(connection, """
            SELECT session_id, code, position, label, kind, mode, share, low, high, basis FROM coverage"""
                       ) if has_table(connection, "coverage") else []
        failures = _rows(connection, "SELECT path, reason FROM failures ORDER BY path")
        floor = {row["session_id"]: row for row in _rows(connection, "SELECT * FROM floor")}
        meta = dict(connection.execute("SELECT key, value FROM meta").fetchall())
    except duckdb.Error as error:
        raise OptionError(f"is not a transcript_lens results database ({str(error).splitlines()[0]})",
                          path=db_path, hint="give the database `transcript-lens batch` wrote") from None
    finally:
        connection.close()
    if not sessions and not failures:
        raise OptionError("holds no sessions and no failures", path=db_path,
                          hint="run `transcript-lens batch ... --db FILE` first")
    stems = [Path(session["path"] or "").stem for session in sessions]
    for number, session in enumerate(sessions, start=1):
        session["number"] = number
        session["label"] = session["title"] or _label(session, stems) or session["session_id"]
        if session["attendees"] is None:
            session["silent_attendees"] = None  # no attendee list: silence is unknown, not zero
    for failure in failures:
        failure["reason"] = plain_words(failure["reason"])
    return {
        "source": Path(db_path).name,
        "target": target,
        "sessions": sessions,
        "summary": _summary(sessions, target),
        "ranked": _ranked(sessions),
        "coverage": _coverage(sessions, passages, tags, stored),
        "floor": _floor(sessions, floor),
        "failures": failures,
        "method": {"sessions": len(sessions), "failures": len(failures),
                   "schema_version": meta.get("schema_version", "not recorded"),
                   "tool_version": meta.get("tool_version", "not recorded"),
                   "bases": sorted({s["basis"] for s in sessions if s["basis"]}),
                   "undated": sum(1 for s in sessions if not s["date"])},
    }


def _label(session: dict[str, Any], stems: list[str]) -> str:
    """An untitled session's name: its file's stem, with its folder when other files share the stem
    (Zoom saves every recording's text as ``transcript.vtt`` in its own folder)."""
    path = Path(session["path"] or "")
    if stems.count(path.stem) > 1 and path.parent.name:
        return f"{path.parent.name}/{path.stem}"
    return path.stem


def plain_words(text: str | None) -> str:
    """A recorded reason as a page shows it: command names in quotes, not in Markdown backticks."""
    return re.sub(r"`+([^`]*)`+", "‘\\1’", text or "")


def _rows(connection: Any, query: str) -> list[dict[str, Any]]:
    cursor = connection.execute(query)
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def _summary(sessions: list[dict[str, Any]], target: float) -> dict[str, Any]:
    with_facilitator = [s["facilitator_share"] for s in sessions if s["facilitator_share"] is not None]
    dates = sorted(s["date"] for s in sessions if s["date"])
    return {"with_facilitator": len(with_facilitator),
            "at_or_under_target": sum(1 for share in with_facilitator if share <= target),
            "first_date": dates[0] if dates else None, "last_date": dates[-1] if dates else None}


def _ranked(sessions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Sessions by participants' share, largest first; sessions without the figure last, in date order."""
    order = sorted(sessions, key=lambda s: (s["participants_share"] is None, -(s["participants_share"] or 0),
                                            s["number"]))
    return [{"number": s["number"], "label": s["label"], "path": s["path"], "date": s["date"] or "–",
             "duration": clock(s["duration_seconds"]), "speakers": _or_dash(s["speakers"]),
             "facilitator_share": percent(s["facilitator_share"]),
             "participants_share": percent(s["participants_share"]),
             "gini": "–" if s["gini"] is None else f"{s['gini']:.2f}",
             "silent_attendees": "unknown" if s["silent_attendees"] is None else s["silent_attendees"],
             "inferred": {True: "yes", False: "no"}.get(s["speakers_inferred"], "–")} for s in order]


# --- how the floor moved (issue 15): one row per session from the ``floor`` table
def _floor(sessions: list[dict[str, Any]], floor: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Per session in date order; "–" where the session has no floor row (analysed before it existed)."""
    rows = []
    for s in sessions:
        f = floor.get(s["session_id"])
        if f is None:
            rows.append({"number": s["number"], "label": s["label"], "missing": True})
            continue
        wait = f["median_wait_seconds"]
        rows.append({
            "number": s["number"], "label": s["label"], "missing": False,
            "questions": f"{f['facilitator_questions']} ({f['facilitator_open_questions']} open)",
            "wait": "–" if wait is None else f"{wait:.1f} s",
            "self_answered": percent(f["self_answered_share"]),
            "interruptions": f["interruptions"] if f["overlaps_measurable"] else "–",
            "back_channels": f["back_channels"],
            "p2p": percent(f["participant_to_participant_share"]),
            "gini": " / ".join("–" if f[key] is None else f"{f[key]:.2f}"
                               for key in ("gini_time", "gini_words", "gini_turns")),
            "overlap_policy": f["overlap_policy"],
            "p2p_share": f["participant_to_participant_share"], "self_share": f["self_answered_share"]})
    return rows


@charts.literal_text
def floor_chart(sessions: list[dict[str, Any]], floor: list[dict[str, Any]]) -> str | None:
    """Over time: the participant-to-participant share of speaker changes, and the share of the
    facilitator's questions the facilitator followed up themselves, per session in date order."""
    lines = [(key, label, colour) for key, label, colour in (
        ("p2p_share", "participant → participant", charts.OKABE_ITO[2]),
        ("self_share", "facilitator went on after own question", charts.OKABE_ITO[5]))
        if any(not row["missing"] and row[key] is not None for row in floor)]
    if not lines:
        return None
    figure = charts._figure(2.6)
    axes = figure.subplots()
    for key, label, colour in lines:
        points = [(row["number"], row[key] * 100) for row in floor if not row["missing"] and row[key] is not None]
        axes.plot([x for x, _ in points], [y for _, y in points], marker="o", color=colour, linewidth=1.2,
                  label=label)
    axes.set_ylim(0, 105)
    axes.set_ylabel("share (%)")
    axes.legend(fontsize=charts._SMALLEST, frameon=False, loc="upper left")
    _session_axis(axes, sessions)
    return charts._svg(figure)


def _or_dash(value: Any) -> Any:
    return "–" if value is None else value


def _coverage(sessions: list[dict[str, Any]], passages: dict[str, int], tags: list[dict[str, Any]],
              stored: list[dict[str, Any]] = ()) -> dict[str, Any]:
    """Per session, how much of its talk touched each code; columns grouped by kind and mode.

    A session with ``coverage`` rows shows their expected share of its words, with the 95% range
    when the tags were probabilities; a tagged session without them (stored under schema version 1)
    shows the share of its passages tagged with the code, marked ``counted``. Columns carry the
    codebook's label as the batch stored it; a code without one (only in a version 1 database) the
    default codebook's label, else its id in words."""
    codes: dict[str, dict[str, Any]] = {}
    counts: dict[tuple[str, str], int] = {}
    figures: dict[str, dict[str, dict[str, Any]]] = {}
    for row in stored:
        column = codes.setdefault(row["code"], {"code": row["code"], "kind": row["kind"], "mode": row["mode"] or "",
                                                "label": None, "position": None})
        column["label"] = column["label"] or row["label"]
        column["kind"] = column["kind"] or row["kind"]
        column["position"] = row["position"] if column["position"] is None else column["position"]
        figures.setdefault(row["session_id"], {})[row["code"]] = row
    for tag in tags:
        if tag["session_id"] in figures:
            continue  # its coverage is stored: the tags are not counted
        codes.setdefault(tag["code"], {"code": tag["code"], "kind": tag["kind"], "mode": tag["mode"] or "",
                                       "label": None, "position": None})
        counts[(tag["session_id"], tag["code"])] = tag["passages"]
    columns = sorted(codes.values(), key=_code_order())
    shares = {}  # session_id -> (share, low, high) per column; only tagged sessions with passages
    for session in sessions:
        sid = session["session_id"]
        total = passages.get(sid, 0)
        if not session["tagged"] or not total:
            continue
        if sid in figures:
            shares[sid] = [_stored_share(figures[sid].get(c["code"])) for c in columns]
        else:
            shares[sid] = [(counts.get((sid, c["code"]), 0) / total, None, None) for c in columns]
    largest = max((share for row in shares.values() for share, _, _ in row), default=0.0)
    rows = [{"number": s["number"], "label": s["label"], "tagged": bool(s["tagged"]),
             "passages": passages.get(s["session_id"], 0),
             "counted": s["session_id"] in shares and s["session_id"] not in figures,
             "cells": [_cell(share, largest, low, high) for share, low, high in shares[s["session_id"]]]
             if s["session_id"] in shares else None} for s in sessions]
    groups = []
    for column in columns:
        name = {"value": "Values", "spectrum": f"Spectrum: {column['mode'] or 'no mode'}"}.get(column["kind"],
                                                                                             column["kind"] or "Other")
        if groups and groups[-1]["name"] == name:
            groups[-1]["span"] += 1
        else:
            groups.append({"name": name, "span": 1})
    from ..tagging.codebook import load_codebook

    defaults = {code.id: code.label for code in load_codebook().codes}  # a label, never a code's id
    for column in columns:
        column["name"] = column["label"] or defaults.get(column["code"], column["code"].replace("_", " "))
    counted = sum(1 for row in rows if row["counted"])
    return {"columns": columns, "groups": groups, "rows": rows, "largest": largest,
            "counted": counted, "ranged": any(low is not None for row in shares.values() for _, low, _ in row)}


def _stored_share(row: dict[str, Any] | None) -> tuple[float, float | None, float | None]:
    if row is None:  # a code another run's codebook had: this session's tagging never scored it
        return 0.0, None, None
    return row["share"] or 0.0, row["low"], row["high"]


def _code_order():
    """Values first, then the spectrum from doing to to doing with; within those the default codebook's
    order (its ladder) or, for codes the batch stored with their place, their codebook's; others after, by name."""
    from ..tagging.codebook import load_codebook

    known = {code.id: index for index, code in enumerate(load_codebook().codes)}

    def key(column: dict[str, Any]) -> tuple:
        kind = _KINDS.index(column["kind"]) if column["kind"] in _KINDS else len(_KINDS)
        mode = _MODES.index(column["mode"]) if column["mode"] in _MODES else len(_MODES)
        # the stored codebook's own place first (a custom codebook's order), else the default's
        place = column.get("position")
        return kind, mode, place if place is not None else known.get(column["code"], len(known)), column["code"]

    return key


def _cell(share: float, largest: float, low: float | None = None, high: float | None = None) -> dict[str, str]:
    """A heat-map cell: white to Okabe–Ito blue by share relative to the table's largest, with
    whichever text colour (white or ink) contrasts more with the background; its text is the share
    and, where the tags were probabilities, its 95% range: "12% (8–16%)"."""
    strength = share / largest if largest else 0.0
    blue = (0x00, 0x72, 0xB2)
    background = tuple(round(255 - (255 - channel) * strength) for channel in blue)
    ink = (0x1B, 0x1B, 0x1B)
    text = "#ffffff" if _contrast(background, (255, 255, 255)) > _contrast(background, ink) else "#1b1b1b"
    shown = percent(share) if low is None or high is None else f"{percent(share)} ({percent(low)}–{percent(high)})"
    return {"text": shown, "style": "background:#{:02x}{:02x}{:02x};color:{}".format(*background, text)}


def _contrast(first: tuple[int, ...], second: tuple[int, ...]) -> float:
    lighter, darker = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def _luminance(colour: tuple[int, ...]) -> float:
    """WCAG relative luminance of an sRGB colour."""
    linear = [(c / 255 / 12.92) if c / 255 <= 0.04045 else ((c / 255 + 0.055) / 1.055) ** 2.4 for c in colour]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


# Charts: sessions in date order on x, one position each, labelled by number and (ISO) date.
# Only ISO dates go into the SVG: any other text from the database stays in the escaped HTML tables.


def _session_axis(axes: Any, sessions: list[dict[str, Any]]) -> None:
    step = math.ceil(len(sessions) / _MAX_TICKS)
    shown = sessions[::step]
    labels = [f"#{s['number']} {s['date']}" if _ISO_DATE.fullmatch(s["date"] or "") else f"#{s['number']}"
              for s in shown]
    axes.set_xticks([s["number"] for s in shown], labels, rotation=45, ha="right", fontsize=charts._SMALLEST)
    axes.set_xlim(0.4, len(sessions) + 0.6)
    axes.set_xlabel("sessions in date order")


@charts.literal_text
def facilitator_chart(sessions: list[dict[str, Any]], target: float) -> str | None:
    points = [(s["number"], s["facilitator_share"] * 100) for s in sessions if s["facilitator_share"] is not None]
    if not points:
        return None
    figure = charts._figure(2.6)
    axes = figure.subplots()
    axes.plot([x for x, _ in points], [y for _, y in points], marker="o", color=charts.OKABE_ITO[0], linewidth=1.2)
    axes.axhline(target * 100, color=charts.OKABE_ITO[5], linestyle="--", linewidth=1)
    axes.text(0.5, target * 100 + 2, f"target {target * 100:.0f}%", color=charts.OKABE_ITO[5],
              fontsize=charts._SMALLEST)
    axes.set_ylim(0, 105)
    axes.set_ylabel("facilitator share (%)")
    _session_axis(axes, sessions)
    return charts._svg(figure)


@charts.literal_text
def gini_chart(sessions: list[dict[str, Any]]) -> str | None:
    if all(s["gini"] is None for s in sessions):
        return None
    figure = charts._figure(2.4)
    axes = figure.subplots()
    for s in sessions:
        if s["gini"] is None:
            axes.text(s["number"], 0.02, "n/a", ha="center", fontsize=charts._SMALLEST, color="#555555")
        else:
            axes.bar(s["number"], s["gini"], color=charts.OKABE_ITO[2], width=0.7)
    axes.set_ylim(0, 1)
    axes.set_ylabel("Gini among participants")
    _session_axis(axes, sessions)
    return charts._svg(figure)


@charts.literal_text
def silent_chart(sessions: list[dict[str, Any]]) -> str | None:
    if all(s["silent_attendees"] is None for s in sessions):
        return None
    from matplotlib.ticker import MaxNLocator

    figure = charts._figure(2.4)
    axes = figure.subplots()
    top = max(s["silent_attendees"] or 0 for s in sessions)
    for s in sessions:
        if s["silent_attendees"] is None:
            axes.text(s["number"], 0.02 * max(top, 1), "no list", ha="center", fontsize=charts._SMALLEST,
                      color="#555555")
        else:
            axes.bar(s["number"], s["silent_attendees"], color=charts.OKABE_ITO[3], width=0.7)
    axes.set_ylim(0, max(top, 1) * 1.1)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_ylabel("attendees who never spoke")
    _session_axis(axes, sessions)
    return charts._svg(figure)
