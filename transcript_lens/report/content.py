"""What the post-workshop report says, as plain data, for the HTML and Markdown writers.

Every number comes from the records of ``airtime --json`` and ``tag --json`` (``records.py``):
the report does no second calculation, so a figure in it can be traced to those outputs. Charts
are drawn by ``charts.py`` from the same data. Reflection prompts are the questions of the
Co-production Network's workshop plan (seed 003), filled with this session's figures.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

from ..analysis import Analysis
from ..model import UNATTRIBUTED
from ..speakers import name_key
from .records import airtime_record, tag_record

_DATE_IN_NAME = re.compile(r"(20\d\d)-?(\d\d)-?(\d\d)")
# Characters no report shows: C0 and C1 controls but whitespace (terminal escapes, NUL, bell),
# and the bidi embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069), whose effect
# runs past the string that holds them: a name holding U+202E reverses the text after it.
# Directional marks (LRM, RLM, ALM) reach no further than their neighbours and stay.
_HIDDEN = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def plain_text(text: Any) -> str:
    """``text`` as a report shows it: without control characters or bidi embeddings and overrides.

    The HTML and Markdown reports, the dashboard and the charts pass every transcript-derived
    text (names, quotes, titles, codebook labels) through this, so that what a file holds can
    neither reorder the report around it nor put control characters into it.
    """
    return _HIDDEN.sub("", "" if text is None else str(text))


def clock(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    whole = int(round(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours:d}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:d}:{secs:02d}"


def percent(value: float | None) -> str:
    if value is None:
        return "–"
    if 0 < value < 0.005:
        return "under 1%"
    return f"{round(value * 100):d}%"


def report_data(analysis: Analysis, tagging: Any, codebook: Any, *, title: str | None = None, chat: Any = None,
                calibration: Any = None) -> dict[str, Any]:
    airtime = airtime_record(analysis)
    tags = tag_record(analysis, tagging)
    session = airtime["session"]
    transcript = analysis.transcript
    named = [s for s in airtime["speakers"] if s["name"] != UNATTRIBUTED]
    inferred = session["speakers_inferred"]
    return {
        "title": title or transcript.title or Path(transcript.source).stem.replace("_", " "),
        "date": transcript.date or date_from_name(transcript.source),
        "source": Path(transcript.source).name,
        "format": transcript.format,
        "basis": airtime["basis"],
        "duration": clock(session["duration_seconds"]),
        "speakers_count": len(named),
        "attendees": session["attendees"],
        "silent_attendees": session["silent_attendees"],
        "verdict": airtime["verdict"],
        "speakers_known": (f"inferred from the text (mean confidence {session['inference_confidence']:.2f}); "
                           f"check them with `transcript-lens turns --csv`" if inferred else "named in the file"),
        "airtime": airtime,
        "tags": tags,
        "speaker_rows": [_speaker_row(s) for s in airtime["speakers"]],
        "windows": session["facilitator_share_by_window"],
        "turns": [{"speaker": t.speaker, "start": t.start, "end": t.end} for t in analysis.turns],
        "roles": {s.name: s.role for s in analysis.cast.speakers},
        "codes": _codes(codebook),
        "evidence": _evidence(tags, codebook),
        "floor": tags["floor_by_code"],
        "modes": tags["mode_balance"],
        "chat": _chat(chat, airtime) if chat is not None else None,
        "prompts": _prompts(airtime, tags),
        "method": _method(analysis, airtime, tags, calibration),
        "floor_moved": floor_view(airtime),
    }


# --- how the floor moved (issue 15): its own block, so that merges with other report changes stay small
#: What the report says of each overlap policy (turns.OVERLAP_POLICIES).
OVERLAP_SENTENCES = {
    "split": "Where people spoke at once, the time was shared equally between them (--overlap split).",
    "each": "Where people spoke at once, each was credited all the time they spoke, so shares are of everyone's "
            "speaking time added up (--overlap each).",
}


def floor_view(airtime: dict[str, Any]) -> dict[str, Any]:
    """The report's "How the floor moved" section, from the ``floor`` object of ``airtime --json``."""
    floor = airtime["floor"]

    def gini(value: float | None) -> str:
        return "–" if value is None else f"{value:.2f}"

    return {
        "summary": floor["summary"],
        "policy": OVERLAP_SENTENCES.get(floor["overlap_policy"], floor["overlap_policy"]),
        "transitions": floor["transitions"],
        "speaker_changes": floor["speaker_changes"],
        "overlaps_measurable": floor["overlaps_measurable"],
        "rows": [{"name": row["name"], "questions": row["questions"], "open": row["open_questions"],
                  "turns": row["floor_turns"], "back_channels": row["back_channels"],
                  "interruptions": row["interruptions"] if floor["overlaps_measurable"] else "–",
                  "interrupted": row["interrupted"] if floor["overlaps_measurable"] else "–"}
                 for row in floor["speakers"] if row["name"] != UNATTRIBUTED],
        "windows": [{"window": f"{w['start'] / 60:.0f}–{w['end'] / 60:.0f}", "changes": w["changes"],
                     "share": percent(w["participant_to_participant_share"])}
                    for w in floor["participant_to_participant_by_window"]],
        "gini": {"time": gini(floor["gini_time"]), "words": gini(floor["gini_words"]),
                 "turns": gini(floor["gini_turns"])},
    }


def _speaker_row(speaker: dict[str, Any]) -> dict[str, Any]:
    return {"name": speaker["name"], "role": speaker["role"] + (" (inferred)" if speaker["inferred"] else ""),
            "share": percent(speaker["share"]), "time": clock(speaker["seconds"]), "words": speaker["words"],
            "turns": speaker["turns"], "longest": clock(speaker["longest_turn_seconds"]),
            "first": clock(speaker["first_spoke_at"]), "questions": speaker["questions"]}


def _codes(codebook: Any) -> dict[str, list[dict[str, str]]]:
    return {group: [{"id": code.id, "label": code.label, "mode": code.mode or ""} for code in codebook.group(group)]
            for group in ("values", "spectrum")}


def _evidence(tags: dict[str, Any], codebook: Any, *, per_code: int = 3) -> list[dict[str, Any]]:
    """For each code: its strongest passages (quoted, with speaker and time) and the floor."""
    found: dict[str, list[tuple[float, dict[str, Any], str]]] = {}
    for passage in tags["passages"]:
        labelled = [(tag["label"], tag["score"], "values") for tag in passage["values"]]
        if passage["spectrum"]:
            labelled.append((passage["spectrum"]["label"], passage["spectrum"]["score"], "spectrum"))
        for label, score, group in labelled:
            found.setdefault(label, []).append((score, passage, group))
    order = [code["id"] for group in _codes(codebook).values() for code in group] or sorted(found)
    names = {code["id"]: code["label"] for group in _codes(codebook).values() for code in group}
    evidence = []
    for label in order:
        if label not in found:
            continue
        # Only tags over the evidence bar (chosen for precision across transcripts) are quoted.
        bar = tags.get("evidence_bar") or {}
        best = sorted(((score, passage) for score, passage, group in found[label] if score >= bar.get(group, 0.0)),
                      key=lambda item: -item[0])[:per_code]
        floor = tags["floor_by_code"].get(label, {})
        evidence.append({
            "id": label,
            # People read the codebook's words ("Value all participants …"), never its ids.
            "label": names.get(label, label),
            "passages": len(found[label]),
            "facilitator_share": percent(floor.get("facilitator_share")),
            "participants_share": percent(floor.get("participants_share")),
            "quotes": [{"speaker": passage["speaker"], "at": clock(passage["start"]), "score": f"{score:.2f}",
                        "text": passage["text"], "lines": _line_span(passage["lines"])} for score, passage in best],
        })
    return evidence


def _line_span(lines: list[int]) -> str:
    return f"{lines[0]}–{lines[-1]}" if len(lines) > 1 else str(lines[0]) if lines else ""


def _chat(chat: Any, airtime: dict[str, Any]) -> dict[str, Any]:
    from ..io.zoom_chat import public_messages

    messages = public_messages(chat)
    counts: Counter[str] = Counter()
    words: Counter[str] = Counter()
    for message in messages:
        counts[name_key(message.sender)] += 1
        words[name_key(message.sender)] += message.words
    spoken = {name_key(s["name"]): s for s in airtime["speakers"] if s["name"] != UNATTRIBUTED}
    names = {name_key(m.sender): m.sender for m in messages}
    rows = []
    for key in sorted(set(spoken) | set(counts), key=lambda k: (-counts[k], k)):
        speaker = spoken.get(key)
        rows.append({"name": speaker["name"] if speaker else names[key], "messages": counts[key],
                     "chat_words": words[key], "spoken_words": speaker["words"] if speaker else 0,
                     "share": percent(speaker["share"]) if speaker else "0%"})
    return {"rows": rows, "messages": len(messages),
            "only_chat": sum(1 for key in counts if key not in spoken)}


def _prompts(airtime: dict[str, Any], tags: dict[str, Any]) -> list[dict[str, str]]:
    """The workshop plan's questions (seed 003), each with this session's figure beside it."""
    session = airtime["session"]
    floor = tags["floor_by_code"]
    modes = tags["mode_balance"]
    power = floor.get("relationships") or floor.get("coproduction_involvement")
    prompts = [{
        "question": "Who had the power and who had the responsibility?",
        "figure": f"The facilitator spoke {percent(session['facilitator_share'])} of the time; participants "
                  f"{percent(session['participants_share'])}."
                  + (f" While trust and sharing power were discussed, the facilitator held the floor "
                     f"{percent(power['facilitator_share'])} of the time." if power else ""),
    }, {
        "question": "How does your organisation interact with those you support — doing to, doing for, doing with?",
        "figure": ("Of the talk placed on the spectrum: " + ", ".join(f"{mode} {percent(share)}"
                                                                     for mode, share in modes.items()) + ".")
        if modes else "No passage was placed on the spectrum.",
    }, {
        "question": "What are you measuring now — and why / for whom?",
        "figure": f"Participant-to-participant exchanges were {percent(session['participant_to_participant_share'])} "
                  f"of speaker changes; the participants' Gini was "
                  f"{format(session['gini'], '.2f') if session['gini'] is not None else '–'} (0 even, 1 one voice).",
    }, {
        "question": "Could the interaction be more co-productive?",
        "figure": (f"{len(session['silent_attendees'])} of {session['attendees']} attendees never spoke."
                   if session["attendees"] else "No attendee list was given, so silent attendees are not counted."),
    }]
    return prompts


def _method(analysis: Analysis, airtime: dict[str, Any], tags: dict[str, Any], calibration: Any) -> dict[str, Any]:
    session = airtime["session"]
    figures = (calibration.evaluation.get("cross_validated_macro_f1") if calibration is not None else None) or {}
    return {
        "format": analysis.transcript.format,
        "estimated": analysis.transcript.estimated,
        "basis": airtime["basis"],
        "unattributed": percent(session["unattributed_share"]),
        "overlap": clock(session["overlap_seconds"]),
        "silence": percent(session["silence_share"]),
        "inferred": session["speakers_inferred"],
        "inference_confidence": session["inference_confidence"],
        "notes": airtime["notes"],
        "model": tags["model"],
        "codebook": tags["codebook"],
        "calibrated": tags["calibrated"],
        "validation": (calibration.evaluation.get("method") or "cross-validated") if calibration is not None else "",
        "evidence_bar": tags.get("evidence_bar") or {},
        "values_f1": figures.get("values", {}).get("head"),
        "spectrum_f1": figures.get("spectrum", {}).get("head"),
    }


def date_from_name(source: str) -> str | None:
    """A date written in the file name (``acdc_2026-03-19``, Zoom's ``GMT20220412-055954``)."""
    match = _DATE_IN_NAME.search(Path(source).name)
    if match is None:
        return None
    year, month, day = match.groups()
    if not (1 <= int(month) <= 12 and 1 <= int(day) <= 31):
        return None
    return f"{year}-{month}-{day}"
