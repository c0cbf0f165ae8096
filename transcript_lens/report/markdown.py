"""The Markdown reflection report: the same content as the HTML one, as tables and quotes.

Every text that comes from the transcript or a user's codebook (names, quotes, titles, labels,
notes) goes through ``_text``, so that a CommonMark or GitHub viewer shows it as the characters
it is and never as a link, an image (fetched as the page opens), raw HTML, maths or a table cell
break: ``&``, ``<`` and ``>`` become entities, the punctuation that opens an inline construct is
backslash-escaped (``[`` and ``]``, so ``!`` and ``(`` can open no image or link), and so are the
colon of a URL scheme (``http:``, ``javascript:``), the dot of ``www.`` and a leading list marker,
which viewers would otherwise turn into links and lists.
"""

from __future__ import annotations

import re
from typing import Any

from .content import percent, plain_text

_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_ESCAPED = re.compile(
    r"[&<>]"  # entities and raw HTML, autolinks
    r"|[\\`*{}\[\]#|~$@^]"  # code, emphasis, links and images, headings, tables, strike, maths, e-mail
    r"|(?<![^\W_])_|_(?![^\W_])"  # an underscore not inside a word (code ids keep theirs: no emphasis there)
    r"|(?<=[A-Za-z]):(?=\S)"  # the colon of a scheme: http://, javascript:alert(1), mailto:x
    r"|(?i:(?<=www))\."  # the dot of www.example.org (GitHub links it bare)
    r"|^[-+]"  # a bullet opening a quote line
)
_ORDERED = re.compile(r"^(\d{1,9})([.)])")  # "1. " or "1) " opening a quote line starts an ordered list


def _text(value: Any) -> str:
    """Transcript text on one Markdown line that no viewer reads as markup."""
    text = " ".join(plain_text(value).split())
    text = _ESCAPED.sub(lambda match: _ENTITIES.get(match.group(), "\\" + match.group()), text)
    return _ORDERED.sub(r"\1\\\2", text)


def _code(value: Any) -> str:
    """A code span of ``value``: fenced by one more backtick than its longest run, so it cannot close early."""
    text = " ".join(plain_text(value).split())
    fence = "`" * (max((len(run) for run in re.findall("`+", text)), default=0) + 1)
    padding = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{padding}{text}{padding}{fence}"


def _table(headers: list[str], rows: list[list[Any]], *, raw_first: bool = False) -> list[str]:
    """A pipe table; ``raw_first`` leaves the first cell of each row as written (the report's own
    labels, which may carry emphasis); every other cell is escaped text."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(str(value) if raw_first and index == 0 else _text(value)
                                for index, value in enumerate(row)) + " |" for row in rows]
    return lines


# --- how the floor moved (issue 15): its own block, so that merges with other report changes stay small
def _floor_moved(floor: dict[str, Any]) -> list[str]:
    out = ["## How the floor moved", ""]
    if floor["summary"]:
        out += [_text(floor["summary"]), ""]
    out += _table(["Speaker", "Questions", "Open", "Turns (no back-channels)", "Back-channels",
                   "Interrupted someone", "Was interrupted"],
                  [[r["name"], r["questions"], r["open"], r["turns"], r["back_channels"], r["interruptions"],
                    r["interrupted"]] for r in floor["rows"]])
    if floor["transitions"]:
        out += ["", f"Who follows whom ({floor['speaker_changes']} changes of speaker; back-channels are not "
                "changes):", ""]
        out += _table(["Spoke before", "Took the floor next", "Times"],
                      [[t["from"], t["to"], t["count"]] for t in floor["transitions"]])
    if floor["windows"]:
        out += ["", "Changes of speaker from one participant straight to another, by 5-minute window: "
                + ", ".join(f"{w['window']} min {w['share']} ({w['changes']})" for w in floor["windows"]) + "."]
    gini = floor["gini"]
    out += ["", f"Evenness among participants (Gini, 0 even, 1 one voice): time {gini['time']}, words "
            f"{gini['words']}, turns {gini['turns']}.", "", _text(floor["policy"]), ""]
    return out


#: What the tags measure, said where the figures are (issue 12.5).
MEASURES = ("Tags describe what was talked about, not how the session was run: a facilitator explaining "
            "\"doing with\" is not the session doing with.")
COVERAGE_NOTE = ("Share of the words: how much of the talk was about the code, expected from each passage's "
                 "probability of the tag (a person's confirmed tags count in full); the range is where 95% of such "
                 "figures would fall if each passage's tag were right with its probability.")
COVERAGE_UNCALIBRATED = ("Share of the words: how much of the talk was in passages tagged with the code (this codebook "
                         "has no calibration, so the tags carry no probability and no range can be given).")


def _values(data: dict[str, Any]) -> list[str]:
    out = ["## Values and the spectrum of engagement", ""]
    out += [MEASURES, ""]
    if data["modes"]:
        out += ["Mode balance of what was talked about (the talk placed on the spectrum): "
                + ", ".join(f"{_text(mode)} {percent(share)}" for mode, share in data["modes"].items()) + ".", ""]
    if data["evidence"]:
        out += _table(["Code", "Share of the words (95% range)", "Passages", "Facilitator held the floor",
                       "Participants held the floor"],
                      [[item["name"], item["coverage"], item["passages"], item["facilitator_share"],
                        item["participants_share"]] for item in data["evidence"]])
        out += ["", COVERAGE_NOTE if data["method"]["calibrated"] else COVERAGE_UNCALIBRATED]
    else:
        out += ["No passage was tagged."]
    out += ["", "## Evidence", ""]
    for item in data["evidence"]:
        out += [f"### {_text(item['name'])}", ""]
        if not item["quotes"]:
            out += ["No passage is probable enough to quote (none over the evidence bar).", ""]
        for quote in item["quotes"]:
            out += [f"> {_text(quote['text'])}", ">", f"> — {_text(quote['speaker'])}, at {quote['at']} "
                    f"(lines {quote['lines']}, score {quote['score']})", ""]
    out += ["Score: the probability that the tag is right — the share of such tags that were right on labelled "
            "transcripts the tagger had not seen. Lines: where the passage is in the transcript file.", ""]
    return out


def render_markdown(data: dict[str, Any]) -> str:
    session = data["airtime"]["session"]
    out = [f"# {_text(data['title'])}", "", f"Post-workshop reflection report made by transcript_lens from the "
           f"file {_text(data['source'])}.", "", "## Summary", "", f"**{_text(data['summary']['headline'])}**", ""]
    out += _table(["", ""], [
        *[[f"**{label}**" if label in ("Never spoke", "Barely spoke") else label, text]
          for label, text in data["summary"]["facts"]],
        ["Date", data["date"] or "not in the file"], ["Duration", data["duration"]],
        ["Speakers", data["speakers_count"]], ["Speakers were", data["speakers_known"]]], raw_first=True)
    out += ["", "## Airtime", ""]
    out += _table(["Speaker", "Role", "Share", "Time", "Words", "Turns", "Longest turn", "First spoke", "Questions"],
                  [[r["name"], r["role"], r["share"], r["time"], r["words"], r["turns"], r["longest"], r["first"],
                    r["questions"]] for r in data["speaker_rows"]]
                  + [[name, "attendee, never spoke", "0%", "–", 0, 0, "–", "–", 0]
                     for name in data["silent_attendees"]])
    out += [""] + [f"- {column}: {_text(meaning)}." for column, meaning in data["columns"]]
    if data.get("others"):
        out += ["", "Not people, left out of every figure above (shared audio, presentations, recorders):", ""]
        out += _table(["Label", "Kind", "Time", "Words", "Cues"],
                      [[o["name"], o["kind"], o["time"], o["words"], o["cues"]] for o in data["others"]])
    gini = f"{session['gini']:.2f}" if session["gini"] is not None else "–"
    out += ["", f"Participants together: {percent(session['participants_share'])}. Evenness among participants: "
            f"{gini} on a scale from 0 (every participant spoke equally) to 1 (one participant did all the "
            f"participants' talking) — the Gini coefficient. Changes of speaker from one participant straight to "
            f"another: {percent(session['participant_to_participant_share'])}.", "", "## Who spoke when", ""]
    windows = [w for w in data["windows"] if w["facilitator_share"] is not None]
    out += _table(["Window (minutes)", "Facilitator share"],
                  [[f"{w['start'] / 60:.0f}–{w['end'] / 60:.0f}", percent(w["facilitator_share"])] for w in windows])
    out += ["", "Every speaker, and the 5-minute windows in which they spoke:", ""]
    out += _table(["Speaker", "Spoke in minutes"], [[name, spans] for name, spans in data["spoke_when"]])
    out += [""] + _floor_moved(data["floor_moved"])
    if data["tagged"]:
        out += _values(data)
    if data["chat"]:
        chat = data["chat"]
        out += ["## Chat as participation", "", f"{chat['messages']} public chat messages (direct messages and "
                f"reactions left out); {chat['only_chat']} people wrote in the chat without speaking.", ""]
        out += _table(["Person", "Messages", "Chat words", "Spoken words", "Airtime"],
                      [[r["name"], r["messages"], r["chat_words"], r["spoken_words"], r["share"]] for r in chat["rows"]])
        out += [""]
    out += ["## Questions for reflection", ""]
    for prompt in data["prompts"]:
        out += [f"**{_text(prompt['question'])}** {_text(prompt['figure'])}", ""]
    method = data["method"]
    out += ["## How this was made, and how far to trust it", "",
            f"- Format detected: {_text(method['format'])}"
            + ("; some times were estimated." if method["estimated"] else "."),
            f"- Not attributed to anyone: {method['unattributed']}; overlapping speech: {method['overlap']}; "
            f"silence: {method['silence']}.",
            "- Speakers: " + ("inferred from the text and timing (see the summary)."
                              if method["inferred"] else "as named in the file.")]
    if data["tagged"]:
        out += [f"- Tags: passages compared with the codebook \"{_text(method['codebook'])}\" by sentence-embedding "
                f"similarity (model {_text(method['model'])})"
                + (f", with a head fitted on labelled transcripts; {method['validation']} macro-F1 "
                   f"{method['values_f1']} for values and {method['spectrum_f1']} for spectrum positions, so many "
                   f"single tags are wrong. Scores are probabilities; the evidence quotes only tags at or over "
                   f"{method['evidence_bar'].get('values', 0):.2f} (values) and "
                   f"{method['evidence_bar'].get('spectrum', 0):.2f} (spectrum), the bars at which most quotes were "
                   f"right on transcripts the tagger had not seen." if method["calibrated"]
                   else ", uncalibrated for this codebook."),
                "- Tags describe what was talked about, not how the session was run: a facilitator explaining "
                "\"doing with\" is not the session doing with."]
    else:
        out += ["- Values and the spectrum of engagement were not tagged for this report (airtime only)."]
    out += [f"- {_text(note)}" for note in method["notes"]]
    return "\n".join(out) + "\n"
