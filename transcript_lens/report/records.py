"""Plain records (dicts and rows) of an analysis: the JSON contract and the CSV columns.

The JSON shapes are a contract that tests pin and users build on:

``turns``:   {"source", "format", "speakers": [{"name", "role", "inferred"}],
              "turns": [{"speaker", "start", "end", "text", "lines", "inferred"}]}
``airtime``: {"source", "format", "basis", "verdict", "speakers": [{"name", "role", "seconds", "words",
              "turns", "share", "word_share", "longest_turn_seconds", "first_spoke_at", ...}],
              "session": {"duration_seconds", "facilitator", "facilitator_share", "participants_share",
              "gini", "entropy", "effective_speakers", "switches_per_minute",
              "participant_to_participant_share", "overlap_seconds", "unattributed_share",
              "silent_attendees", "overlap_policy", "duration_basis", "speech_span", "lead_in_seconds", ...},
              "others": [{"name", "kind", "owner", "seconds", "words", "cues"}],
              "floor": {"overlap_policy", "summary", "facilitator_questions", "median_wait_seconds",
              "interruptions", "back_channels", "transitions", "speakers", ...} (``floor_record``)}

Keys beyond the contract may be added; none may be removed or change meaning. Times are seconds.
"""

from __future__ import annotations

from typing import Any

from ..analysis import Analysis

_DIGITS = 3


def _round(value: float | None, digits: int = _DIGITS) -> float | None:
    return None if value is None else round(value, digits)


def turns_record(analysis: Analysis) -> dict[str, Any]:
    transcript = analysis.transcript
    return {
        "source": transcript.source,
        "format": transcript.format,
        "timed": transcript.timed,
        "speakers": [{"name": s.name, "role": s.role, "inferred": s.inferred, "aliases": list(s.aliases)}
                     for s in analysis.cast.speakers],
        "turns": [turn_row(turn, has_text=transcript.has_text) for turn in analysis.turns],
        "notes": list(transcript.notes),
    }


def turn_row(turn, *, has_text: bool = True) -> dict[str, Any]:
    return {
        "speaker": turn.speaker,
        "start": _round(turn.start),
        "end": _round(turn.end),
        "text": turn.text,
        "lines": list(turn.lines),
        "inferred": turn.inferred,
        "confidence": _round(turn.confidence, 2),
        "estimated": turn.estimated,
        "seconds": _round(turn.seconds),
        # Speaker turns without text have no words to count: unavailable (null), not 0.
        "words": turn.words if has_text else None,
    }


def airtime_record(analysis: Analysis) -> dict[str, Any]:
    airtime = analysis.airtime
    session = airtime.session
    return {
        "source": airtime.source,
        "format": airtime.format,
        "basis": airtime.basis,
        "verdict": airtime.verdict,
        "speakers": [{
            "name": row.name,
            "role": row.role,
            "inferred": row.inferred,
            "seconds": _round(row.seconds),
            "words": row.words,
            "turns": row.turns,
            "share": _round(row.share, 4),
            "word_share": _round(row.word_share, 4),
            "longest_turn_seconds": _round(row.longest_turn_seconds),
            "mean_turn_seconds": _round(row.mean_turn_seconds),
            "first_spoke_at": _round(row.first_spoke_at),
            "questions": row.questions,
        } for row in airtime.speakers],
        "session": {
            "duration_seconds": _round(session.duration_seconds),
            "facilitator": ", ".join(session.facilitators) or None,
            "facilitators": list(session.facilitators),
            "facilitator_guess": session.facilitator_guess,
            "facilitator_share": _round(session.facilitator_share, 4),
            # Inferred speakers only: the share the inference's confidences allow (else null).
            "facilitator_share_range": None if session.facilitator_share_low is None else
            [_round(session.facilitator_share_low, 4), _round(session.facilitator_share_high, 4)],
            "target": session.target,
            "host_share": _round(session.host_share, 4),
            "participants_share": _round(session.participants_share, 4),
            "gini": _round(session.gini, 4),
            "entropy": _round(session.entropy, 4),
            "effective_speakers": _round(session.effective_speakers, 3),
            "switches_per_minute": _round(session.switches_per_minute, 3),
            "participant_to_participant_share": _round(session.participant_to_participant_share, 4),
            "overlap_seconds": _round(session.overlap_seconds),
            "unattributed_share": _round(session.unattributed_share, 4),
            "silence_share": _round(session.silence_share, 4),
            "speech_seconds": _round(session.speech_seconds),
            "attendees": session.attendees,
            "silent_attendees": list(session.silent_attendees),
            "speakers_inferred": session.inference_confidence is not None,
            "inferred_share": _round(session.inferred_share, 4),
            "inference_confidence": _round(session.inference_confidence, 3),
            "overlap_policy": session.overlap_policy,
            # What duration_seconds spans (docs/metrics.md): "speech", first word to last, or "recording".
            "duration_basis": session.duration_basis,
            "speech_span": None if session.span_start is None else
            [_round(session.span_start), _round(session.span_end)],
            "lead_in_seconds": _round(session.lead_in_seconds),
            "facilitator_share_by_window": [
                {"start": w.start, "end": _round(w.end), "facilitator_share": _round(w.facilitator_share, 4),
                 "speech_seconds": _round(w.speech_seconds)} for w in session.windows],
        },
        "floor": floor_record(analysis),
        # Labels that are no person (nonpeople.py): in no share, Gini or attendee count above.
        "others": [{"name": other.name, "kind": other.kind, "owner": other.owner, "seconds": _round(other.seconds),
                    "words": other.words, "cues": other.cues} for other in airtime.others],
        "notes": list(airtime.notes),
    }


# --- how the floor moved (issue 15): its own block, so that merges with other record changes stay small
def floor_record(analysis: Analysis) -> dict[str, Any]:
    """The ``floor`` object of ``airtime --json`` (floor.py; docs/metrics.md defines each key)."""
    from ..floor import floor_summary, measure_floor

    floor = measure_floor(analysis)
    return {
        "overlap_policy": floor.overlap_policy,
        "summary": floor_summary(floor),
        "facilitator_questions": floor.facilitator_questions,
        "facilitator_open_questions": floor.facilitator_open_questions,
        "answered_by_participant": floor.answered_by_participant,
        "answered_by_facilitator": floor.answered_by_facilitator,
        "self_answered_share": _round(floor.self_answered_share, 4),
        "waits_measured": floor.waits_measured,
        "median_wait_seconds": _round(floor.median_wait_seconds),
        "overlaps_measurable": floor.overlaps_measurable,
        "interruptions": [{"by": i.by, "of": i.of, "at": _round(i.at), "overlap_seconds": _round(i.overlap_seconds),
                           "lines": list(i.lines)} for i in floor.interruptions],
        "overlaps_without_floor": floor.overlaps_without_floor,
        "back_channels": floor.back_channels,
        "speaker_changes": floor.speaker_changes,
        "transitions": [{"from": t.source, "to": t.target, "count": t.times} for t in floor.transitions],
        "participant_to_participant_share": _round(floor.participant_to_participant_share, 4),
        "participant_to_participant_by_window": [
            {"start": w.start, "end": _round(w.end), "changes": w.changes,
             "participant_to_participant_share": _round(w.participant_to_participant_share, 4)}
            for w in floor.windows],
        "gini_time": _round(floor.gini_time, 4),
        "gini_words": _round(floor.gini_words, 4),
        "gini_turns": _round(floor.gini_turns, 4),
        "speakers": [{"name": row.name, "role": row.role, "questions": row.questions,
                      "open_questions": row.open_questions, "floor_turns": row.floor_turns,
                      "back_channels": row.back_channels, "interruptions": row.interruptions,
                      "interrupted": row.interrupted} for row in floor.speakers],
        # The facilitator's questions only: the measures are theirs, and every participant's question
        # in full would make the JSON of a long call several times longer (and slower to print).
        "questions": [{"speaker": q.speaker, "start": _round(q.start), "text": q.text, "lines": list(q.lines),
                       "open": q.open, "followed_by": q.followed_by, "answered_by": q.answered_by,
                       "wait_seconds": _round(q.wait_seconds)}
                      for q in floor.questions if q.role == "facilitator"],
    }


#: Per-speaker floor columns that ``airtime --csv`` adds after its airtime ones.
FLOOR_COLUMNS = ("open_questions", "floor_turns", "back_channels", "interruptions", "interrupted", "overlap_policy")


#: CSV columns of ``turns --csv`` (also the correction file a person edits; its ``role`` column,
#: the speaker's role, is read back as the roles a reviewer states).
TURN_COLUMNS = ("speaker", "start", "end", "seconds", "words", "lines", "inferred", "confidence", "text", "role")
#: CSV columns of ``airtime --csv``: one tidy row per person (every speaker, then every attendee who
#: never spoke), the file and the session's figures repeated on each row, so that a spreadsheet or
#: ``pandas.read_csv`` needs no second table and no join. New columns are only ever appended.
SPEAKER_COLUMNS = ("name", "role", "inferred", "seconds", "words", "turns", "share", "word_share",
                   "longest_turn_seconds", "mean_turn_seconds", "first_spoke_at", "questions")
SESSION_COLUMNS = ("duration_seconds", "facilitator", "facilitator_share", "target", "host_share",
                   "participants_share", "unattributed_share", "gini", "participant_to_participant_share",
                   "attendees", "silent_attendees_count", "speakers_inferred", "inference_confidence")
AIRTIME_COLUMNS = ("source", "format", "basis", *SPEAKER_COLUMNS, "spoke", *SESSION_COLUMNS, *FLOOR_COLUMNS)


def turn_csv_rows(analysis: Analysis) -> list[dict[str, Any]]:
    rows = []
    for turn in analysis.turns:
        row = turn_row(turn, has_text=analysis.transcript.has_text)
        row["lines"] = " ".join(str(line) for line in turn.lines)
        row["role"] = analysis.cast.role_of(turn.speaker)
        rows.append({column: row[column] for column in TURN_COLUMNS})
    return rows


def airtime_csv_rows(analysis: Analysis) -> list[dict[str, Any]]:
    record = airtime_record(analysis)
    session = record["session"]
    figures = {column: session[column] for column in SESSION_COLUMNS if column in session}
    # Unknown (no attendee list) stays an empty cell, never 0.
    figures["silent_attendees_count"] = len(session["silent_attendees"]) if session["attendees"] else None
    head = {"source": record["source"], "format": record["format"], "basis": record["basis"]}
    floor = {row["name"]: row for row in record["floor"]["speakers"]}
    policy = record["floor"]["overlap_policy"]
    rows = [{**head, **{column: speaker[column] for column in SPEAKER_COLUMNS}, "spoke": True, **figures,
             **{column: floor[speaker["name"]][column] for column in FLOOR_COLUMNS[:-1]}, "overlap_policy": policy}
            for speaker in record["speakers"]]
    rows += [{**head, "name": name, "role": "attendee", "inferred": False, "seconds": 0, "words": 0, "turns": 0,
              "share": 0.0, "word_share": 0.0, "questions": 0, "spoke": False, **figures, "overlap_policy": policy}
             for name in session["silent_attendees"]]
    return rows


def tag_record(analysis: Analysis, tagging) -> dict[str, Any]:
    """The ``tag --json`` contract: ``{"source", "model", "codebook", "passages": [{"start", "end",
    "speaker", "lines", "text", "values": [{"label", "score", "evidence"}], "spectrum": {"label",
    "mode", "score", "evidence"} | null}]}`` plus the floor by code and the mode balance."""
    from ..tagging.coverage import coverage
    from ..tagging.floor import floor_by_code, mode_balance

    timed = analysis.transcript.timed
    return {
        "source": analysis.transcript.source,
        "model": tagging.model,
        "codebook": tagging.codebook,
        "calibrated": tagging.calibrated,
        # Scores are calibrated probabilities (the fraction of such tags right across transcripts);
        # reports quote as evidence only tags at or above the bar of their group.
        "evidence_bar": dict(tagging.evidence_bar),
        "passages": [{
            "start": _round(tagged.passage.start),
            "end": _round(tagged.passage.end),
            "speaker": tagged.passage.speaker,
            "lines": list(tagged.passage.lines),
            "text": tagged.passage.text,
            "values": [{"label": tag.label, "score": _round(tag.score, 3), "evidence": tag.evidence,
                        "confirmed": tag.confirmed} for tag in tagged.values],
            "spectrum": None if tagged.spectrum is None else {
                "label": tagged.spectrum.label, "mode": tagged.spectrum.mode,
                "score": _round(tagged.spectrum.score, 3), "evidence": tagged.spectrum.evidence,
                "confirmed": tagged.spectrum.confirmed},
            # A person decided this passage's tags (--tag-corrections): they are not the model's.
            "reviewed": tagged.reviewed,
        } for tagged in tagging.passages],
        "floor_by_code": floor_by_code(tagging, analysis.cast, timed=timed),
        "mode_balance": mode_balance(tagging, timed=timed),
        # How much of the talk touched each code, from the probabilities, with a 95% range (coverage.py).
        "coverage": coverage(tagging),
        "notes": list(analysis.transcript.notes) + list(getattr(tagging, "notes", ())),
    }


#: CSV columns of ``tag --csv``: one row per passage. ``values`` (ids, space-separated), ``spectrum``
#: (one id) and ``decision`` (right / wrong / empty) are for a person to edit and give back with
#: ``--tag-corrections`` (``tagging/decisions.py``); ``scores`` and ``mode`` are for reading only.
TAG_COLUMNS = ("source", "start", "end", "speaker", "lines", "values", "spectrum", "mode", "scores", "decision",
               "text")


def tag_csv_rows(analysis: Analysis, tagging) -> list[dict[str, Any]]:
    def scores(tagged) -> str:
        tags = [*tagged.values, *([tagged.spectrum] if tagged.spectrum else [])]
        return " ".join(f"{tag.label}={'confirmed' if tag.confirmed else f'{tag.score:.2f}'}" for tag in tags)

    return [{
        "source": analysis.transcript.source,
        "start": _round(tagged.passage.start), "end": _round(tagged.passage.end),
        "speaker": tagged.passage.speaker, "lines": " ".join(str(line) for line in tagged.passage.lines),
        "values": " ".join(tag.label for tag in tagged.values),
        "spectrum": tagged.spectrum.label if tagged.spectrum else "",
        "mode": tagged.spectrum.mode if tagged.spectrum else "",
        "scores": scores(tagged),
        # A passage already reviewed keeps its decision, so the file can be written, edited and given back again.
        "decision": "right" if tagged.reviewed else "",
        "text": tagged.passage.text,
    } for tagged in tagging.passages]
