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


def count(value: int | None) -> Any:
    """A count, or a dash where it is unavailable (words of speaker turns without text)."""
    return "–" if value is None else value


#: A speaker under this share of the speech "barely spoke" in the summary: a fixed, stated line
#: (one minute in fifty), not a value fitted to any transcript.
BARELY = 0.02
#: Shown when neither the file nor ``--title`` gives a title: the file name is no title.
UNTITLED = "Untitled session"


def fine_percent(value: float) -> str:
    """A small share to a tenth of a percent ("1.7%"), so that a list of those under 2% does not
    read "2%"; never "0.0%" for someone who spoke."""
    if 0 < value < 0.0005:
        return "under 0.1%"
    return f"{value * 100:.1f}%"


def report_data(analysis: Analysis, tagging: Any, codebook: Any, *, title: str | None = None, chat: Any = None,
                calibration: Any = None) -> dict[str, Any]:
    """The report's content. ``tagging`` and ``codebook`` are None for an airtime-only report
    (``report --no-tags``): the sections on values and evidence are then left out."""
    airtime = airtime_record(analysis)
    tags = tag_record(analysis, tagging) if tagging is not None else None
    session = airtime["session"]
    transcript = analysis.transcript
    named = [s for s in airtime["speakers"] if s["name"] != UNATTRIBUTED]
    inferred = session["speakers_inferred"]
    return {
        # An explicit --title wins; then the file's own metadata; never the file name's slug.
        "title": title or transcript.title or UNTITLED,
        "date": transcript.date or date_from_name(transcript.source),
        "source": Path(transcript.source).name,
        "format": transcript.format,
        "basis": airtime["basis"],
        "duration": clock(session["duration_seconds"]),
        "duration_seconds": session["duration_seconds"],
        "speakers_count": len(named),
        "attendees": session["attendees"],
        "silent_attendees": session["silent_attendees"],
        # Shared audio, presentations, recorders and bots (nonpeople.py): shown apart, in no figure.
        "others": [{"name": other["name"], "kind": _other_kind(other["kind"]),
                    "time": clock(other["seconds"]) if other["seconds"] is not None else "–",
                    "words": other["words"], "cues": other["cues"]} for other in airtime.get("others", ())],
        "verdict": airtime["verdict"],
        "summary": summary(airtime),
        "speakers_known": (f"inferred from the text (mean confidence {session['inference_confidence']:.2f}). "
                           f"Check the names against the recording before sharing this report: the tool can "
                           f"list every turn for you to correct, and a corrected list gives exact figures."
                           if inferred else "named in the file"),
        "airtime": airtime,
        "tags": tags,
        "tagged": tags is not None,
        "speaker_rows": [_speaker_row(s) for s in airtime["speakers"]],
        "columns": columns(airtime["basis"]),
        "windows": session["facilitator_share_by_window"],
        "spoke_when": spoke_when(analysis, airtime),
        "turns": [{"speaker": t.speaker, "start": t.start, "end": t.end} for t in analysis.turns],
        "roles": {s.name: s.role for s in analysis.cast.speakers},
        "codes": _codes(codebook) if codebook is not None else {"values": [], "spectrum": []},
        "evidence": _evidence(tags, codebook) if tags is not None else [],
        "floor": tags["floor_by_code"] if tags is not None else {},
        "modes": tags["mode_balance"] if tags is not None else {},
        "chat": _chat(chat, airtime) if chat is not None else None,
        "prompts": _prompts(airtime, tags),
        "method": _method(analysis, airtime, tags, calibration),
        "floor_moved": floor_view(airtime),
    }


# --- how the floor moved (issue 15): its own block, so that merges with other report changes stay small
#: What the report says of each overlap policy (turns.OVERLAP_POLICIES).
OVERLAP_SENTENCES = {
    "split": "Where people spoke at once, the time was shared equally between them.",
    "each": "Where people spoke at once, each was credited all the time they spoke, so shares are of everyone's "
            "speaking time added up.",
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


def spoke_when(analysis: Analysis, airtime: dict[str, Any], *, window: float = 300.0) -> list[tuple[str, str]]:
    """For every speaker, the 5-minute windows in which they spoke, as minute ranges ("0–10, 25–30")."""
    heard: dict[str, set[int]] = {}
    for turn in analysis.turns:
        if turn.start is None or turn.end is None:
            continue
        first, last = int(turn.start // window), int(max(turn.start, turn.end - 1e-9) // window)
        heard.setdefault(turn.speaker, set()).update(range(first, last + 1))
    rows = []
    for speaker in airtime["speakers"]:
        windows = sorted(heard.get(speaker["name"], ()))
        runs: list[list[int]] = []
        for index in windows:
            if runs and runs[-1][1] == index - 1:
                runs[-1][1] = index
            else:
                runs.append([index, index])
        minutes = window / 60
        last = (airtime["session"].get("speech_span") or [0, airtime["session"]["duration_seconds"] or 0])[1] / 60
        rows.append((speaker["name"], ", ".join(f"{start * minutes:g}–{_minutes(min((end + 1) * minutes, last))}"
                                                for start, end in runs) or "no timed turn"))
    return rows


def _other_kind(kind: str) -> str:
    from ..nonpeople import describe

    return describe(kind)


def _minutes(value: float) -> str:
    return f"{value:.0f}" if value >= 1 or value == 0 else "1"


def columns(basis: str) -> list[tuple[str, str]]:
    """What each column of the airtime table means, in the report's words."""
    return [
        ("Share", "the person's part of all the speaking time" if basis == "seconds" else
         "the person's part of all the words spoken (the file has no times)"),
        ("Time", "how long the person spoke in all, in minutes and seconds"),
        ("Words", "how many words the person said"),
        ("Turns", "how many times the person took the floor; a turn ends when someone else speaks, or after "
                  "a silence of a few seconds"),
        ("Longest turn", "the person's longest single turn: the longest monologue"),
        ("First spoke", "when the person first spoke, counted from the start of the session"),
        ("Questions", "how many of the person's sentences end with a question mark"),
    ]


def against_target(share: float, target: float) -> str:
    """The facilitator's share against the target in words: "nearly twice the 40% target"."""
    said = ""
    goal = f"the {percent(target)} target"
    if target <= 0:
        return said + ("on " if share <= 0 else "above ") + goal
    ratio = share / target
    if abs(share - target) <= 0.05:
        return said + "close to " + goal
    if ratio < 1:
        return said + ("under half " if ratio < 0.5 else "below ") + goal
    if ratio < 1.4:
        return said + "above " + goal
    halves = round(ratio * 2) / 2
    times = {1.5: "one and a half times", 2.0: "twice", 2.5: "two and a half times"}.get(
        halves, f"{halves:g} times")
    qualifier = "about" if abs(ratio - halves) <= 0.05 else ("nearly" if ratio < halves else "over")
    return f"{said}{qualifier} {times} {goal}"


def summary(airtime: dict[str, Any]) -> dict[str, Any]:
    """The five-second headline: who held the floor against the target, who was quiet, the longest monologue."""
    session = airtime["session"]
    unit = "of the speaking time" if airtime["basis"] == "seconds" else "of the words"
    speakers = [s for s in airtime["speakers"] if s["name"] != UNATTRIBUTED]
    facts: list[tuple[str, str]] = []
    if session["facilitators"]:
        who = "Facilitator" if len(session["facilitators"]) == 1 else "Facilitators"
        guess = " (a guess from who spoke most and asked most)" if session["facilitator_guess"] else ""
        comparison = against_target(session["facilitator_share"], session["target"])
        facts.append((who, f"{', '.join(session['facilitators'])}{guess}: {percent(session['facilitator_share'])} "
                           f"{unit} — {comparison}"))
        headline = (f"The {who.lower()} spoke {percent(session['facilitator_share'])} {unit} — {comparison}.")
    else:
        facts.append(("Facilitator", "nobody was named or recognised as facilitator"))
        headline = "Nobody was marked as facilitator, so no share can be set against the target."
    if session["unattributed_share"] >= 0.999:
        headline = ("This file names no speakers, so airtime per person cannot be measured from it: all the "
                    "speech is unattributed.")
    facts.append(("Participants", f"{percent(session['participants_share'])} {unit}, together"))
    if session["host_share"]:
        facts.append(("Host", f"{percent(session['host_share'])} {unit}"))
    facts.append(("Not attributed", f"{percent(session['unattributed_share'])} {unit} could not be given to anyone"
                   if session["unattributed_share"] else "nothing: all the speech was given to someone"))
    longest = max((s for s in speakers if s["longest_turn_seconds"]), key=lambda s: s["longest_turn_seconds"],
                  default=None)
    if longest is not None:
        facts.append(("Longest monologue", f"{clock(longest['longest_turn_seconds'])}, by {longest['name']}"))
    silent = list(session["silent_attendees"])
    if session["attendees"]:
        facts.append(("Never spoke", f"{len(silent)} of {session['attendees']} attendees"
                                     + (f": {', '.join(silent)}" if silent else "")))
    else:
        facts.append(("Never spoke", "unknown: no attendee list was given, so people who stayed silent "
                                     "cannot be counted"))
    barely = [s for s in speakers if s["role"] == "participant" and s["share"] < BARELY]
    if barely:
        facts.append(("Barely spoke", f"{len(barely)} under {percent(BARELY)} {unit} each: "
                      + ", ".join(f"{s['name']} ({fine_percent(s['share'])})" for s in barely)))
    return {"headline": headline, "facts": facts, "silent": silent, "barely": [s["name"] for s in barely]}


def _speaker_row(speaker: dict[str, Any]) -> dict[str, Any]:
    return {"name": speaker["name"], "role": speaker["role"] + (" (inferred)" if speaker["inferred"] else ""),
            "share": percent(speaker["share"]), "time": clock(speaker["seconds"]), "words": count(speaker["words"]),
            "turns": speaker["turns"], "longest": clock(speaker["longest_turn_seconds"]),
            "first": clock(speaker["first_spoke_at"]), "questions": count(speaker["questions"])}


def _codes(codebook: Any) -> dict[str, list[dict[str, str]]]:
    return {group: [{"id": code.id, "label": code.label, "mode": code.mode or ""} for code in codebook.group(group)]
            for group in ("values", "spectrum")}


def _evidence(tags: dict[str, Any], codebook: Any, *, per_code: int = 3) -> list[dict[str, Any]]:
    """For each code: its strongest passages (quoted, with speaker and time) and the floor."""
    found: dict[str, list[tuple[float, dict[str, Any], str]]] = {}
    for passage in tags["passages"]:
        labelled = [(tag["label"], tag["score"], "values", tag.get("confirmed", False)) for tag in passage["values"]]
        if passage["spectrum"]:
            labelled.append((passage["spectrum"]["label"], passage["spectrum"]["score"], "spectrum",
                             passage["spectrum"].get("confirmed", False)))
        for label, score, group, confirmed in labelled:
            found.setdefault(label, []).append((score, passage, group, confirmed))
    codes = [code for group in _codes(codebook).values() for code in group]
    order = [code["id"] for code in codes] or sorted(found)
    names = {code["id"]: code["label"] for code in codes}  # a report shows the label, never the code's id
    evidence = []
    for label in order:
        if label not in found:
            continue
        # Only tags over the evidence bar (chosen for precision across transcripts) are quoted.
        bar = tags.get("evidence_bar") or {}
        # A tag a person confirmed (score 1.0) comes first and is shown as confirmed, not as a probability.
        best = sorted(((score, passage, confirmed) for score, passage, group, confirmed in found[label]
                       if score >= bar.get(group, 0.0)), key=lambda item: (-item[0], not item[2]))[:per_code]
        floor = tags["floor_by_code"].get(label, {})
        covered = (tags.get("coverage") or {}).get("codes", {}).get(label)
        evidence.append({
            "id": label,
            # People read the codebook's words ("Value all participants …"), never its ids.
            "label": names.get(label, label),
            "name": names.get(label, label),
            "passages": len(found[label]),
            "facilitator_share": percent(floor.get("facilitator_share")),
            "participants_share": percent(floor.get("participants_share")),
            "coverage": _coverage_text(covered),
            "quotes": [{"speaker": passage["speaker"], "at": clock(passage["start"]),
                        "score": "confirmed by a person" if confirmed else f"{score:.2f}",
                        "text": passage["text"], "lines": _line_span(passage["lines"])}
                       for score, passage, confirmed in best],
        })
    return evidence


def _coverage_text(covered: dict[str, Any] | None) -> str:
    """A code's expected share of the words, with its 95% range when the tags are probabilities:
    "12% (8–16%)"."""
    if not covered:
        return "–"
    if covered.get("low") is None:
        return percent(covered["share"])
    return f"{percent(covered['share'])} ({percent(covered['low'])}–{percent(covered['high'])})"


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
                     "chat_words": words[key], "spoken_words": count(speaker["words"]) if speaker else 0,
                     "share": percent(speaker["share"]) if speaker else "0%"})
    return {"rows": rows, "messages": len(messages),
            "only_chat": sum(1 for key in counts if key not in spoken)}


#: A prompt quotes the floor during a code only when at least this many passages carry the code:
#: two passages on a topic are no evidence of how it was discussed.
MIN_PASSAGES = 5


def _prompts(airtime: dict[str, Any], tags: dict[str, Any] | None) -> list[dict[str, str]]:
    """Questions of the workshop plan (seed 003) that this session's figures speak to, each with the
    figure, how far it can be trusted, and where the evidence is in the report (``link``)."""
    session = airtime["session"]
    unit = "of the time" if airtime["basis"] == "seconds" else "of the words"
    prompts = [{
        "question": "Who had the power and who had the responsibility?",
        "figure": f"The facilitator spoke {percent(session['facilitator_share'])} {unit}; participants "
                  f"{percent(session['participants_share'])}.",
        "link": "Airtime",
    }]
    if tags is not None:
        floor = tags["floor_by_code"]
        power = floor.get("relationships") or floor.get("coproduction_involvement")
        if power and power["passages"] >= MIN_PASSAGES:
            prompts[0]["figure"] += (f" In the {power['passages']} passages that talked about relationships and "
                                     f"sharing power (read the quoted passages: single tags can be wrong), the "
                                     f"facilitator held the floor {percent(power['facilitator_share'])} "
                                     f"{unit}.")
        modes = tags["mode_balance"]
        placed = sum(1 for passage in tags["passages"] if passage["spectrum"])
        if modes and placed >= MIN_PASSAGES:
            prompts.append({
                "question": "How does your organisation interact with those you support — doing to, doing "
                            "for, doing with?",
                "figure": f"Of the talk in the {placed} passages that talked about a way of working with people, "
                          f"it was about " + ", ".join(f"{mode} {percent(share)}" for mode, share in modes.items())
                          + ". That is what was talked about, not how this session was run: a facilitator "
                            "explaining \"doing with\" is not the session doing with. Read the quoted passages "
                            "before relying on this.",
                "link": "Evidence",
            })
    if session["attendees"]:
        prompts.append({"question": "Could the interaction be more co-productive?",
                        "figure": f"{len(session['silent_attendees'])} of {session['attendees']} attendees "
                                  f"never spoke.", "link": "Airtime"})
    elif session["participant_to_participant_share"] is not None:
        prompts.append({"question": "Could the interaction be more co-productive?",
                        "figure": f"A participant answered another participant directly in "
                                  f"{percent(session['participant_to_participant_share'])} of the changes of "
                                  f"speaker; the rest went to or through the facilitator or host.",
                        "link": "Who spoke when"})
    return prompts


def _two_places(value: Any) -> str | None:
    return None if value is None else f"{float(value):.2f}"


def _method(analysis: Analysis, airtime: dict[str, Any], tags: dict[str, Any] | None,
            calibration: Any) -> dict[str, Any]:
    session = airtime["session"]
    figures = (calibration.evaluation.get("cross_validated_macro_f1") if calibration is not None else None) or {}
    return {
        "format": _format_label(analysis.transcript.format),
        "estimated": analysis.transcript.estimated,
        "basis": airtime["basis"],
        "unattributed": percent(session["unattributed_share"]),
        "overlap": clock(session["overlap_seconds"]),
        "silence": percent(session["silence_share"]),
        "inferred": session["speakers_inferred"],
        "inference_confidence": session["inference_confidence"],
        # The summary says once how the speakers were known; a note saying it again is left out.
        "notes": [note for note in airtime["notes"] if not note.startswith("Speakers were inferred")]
                 # what changed the tags (a person's decisions applied), said once
                 + [note for note in (tags["notes"] if tags else []) if note not in airtime["notes"]],
        "model": tags["model"] if tags else None,
        "codebook": tags["codebook"] if tags else None,
        "calibrated": tags["calibrated"] if tags else False,
        "validation": (calibration.evaluation.get("method") or "cross-validated") if calibration is not None else "",
        "evidence_bar": (tags.get("evidence_bar") or {}) if tags else {},
        # two decimals, whatever the calibration file stored ("0.38", never "0.38" beside "0.276")
        "values_f1": _two_places(figures.get("values", {}).get("head")),
        "spectrum_f1": _two_places(figures.get("spectrum", {}).get("head")),
    }


def _format_label(name: str) -> str:
    """A format as people call it ("Zoom live transcript"), not its id."""
    from ..io import all_formats

    return next((fmt.label for fmt in all_formats() if fmt.name == name), name)


def date_from_name(source: str) -> str | None:
    """A date written in the file name (``acdc_2026-03-19``, Zoom's ``GMT20220412-055954``)."""
    match = _DATE_IN_NAME.search(Path(source).name)
    if match is None:
        return None
    year, month, day = match.groups()
    if not (1 <= int(month) <= 12 and 1 <= int(day) <= 31):
        return None
    return f"{year}-{month}-{day}"
