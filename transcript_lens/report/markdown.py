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


def _table(headers: list[str], rows: list[list[Any]]) -> list[str]:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(_text(value) for value in row) + " |" for row in rows]
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


def render_markdown(data: dict[str, Any]) -> str:
    session = data["airtime"]["session"]
    out = [f"# {_text(data['title'])}", "", f"Post-workshop reflection report made by transcript_lens from "
           f"{_code(data['source'])}.", "", "## Summary", "", f"**{_text(data['verdict'])}**", ""]
    out += _table(["", ""], [
        ["Date", data["date"] or "not in the file"], ["Duration", data["duration"]],
        ["Speakers", data["speakers_count"]],
        ["Attendees", f"{data['attendees']} ({len(data['silent_attendees'])} never spoke)" if data["attendees"]
         else "no attendee list given"],
        ["Speakers were", data["speakers_known"]]])
    out += ["", "## Airtime", ""]
    out += _table(["Speaker", "Role", "Share", "Time", "Words", "Turns", "Longest turn", "First spoke"],
                  [[r["name"], r["role"], r["share"], r["time"], r["words"], r["turns"], r["longest"], r["first"]]
                   for r in data["speaker_rows"]]
                  + [[name, "attendee, never spoke", "0%", "–", 0, 0, "–", "–"] for name in data["silent_attendees"]])
    gini = f"{session['gini']:.2f}" if session["gini"] is not None else "–"
    out += ["", f"Participants together: {percent(session['participants_share'])}. Evenness among participants "
            f"(Gini, 0 even, 1 one voice): {gini}. Changes of speaker from one participant straight to another: "
            f"{percent(session['participant_to_participant_share'])}.", "", "## Who spoke when", ""]
    windows = [w for w in data["windows"] if w["facilitator_share"] is not None]
    out += _table(["Window (minutes)", "Facilitator share"],
                  [[f"{w['start'] / 60:.0f}–{w['end'] / 60:.0f}", percent(w["facilitator_share"])] for w in windows])
    out += [""] + _floor_moved(data["floor_moved"])
    out += ["## Values and the spectrum of engagement", ""]
    if data["modes"]:
        out += ["Mode balance of the talk placed on the spectrum: "
                + ", ".join(f"{_text(mode)} {percent(share)}" for mode, share in data["modes"].items()) + ".", ""]
    if data["evidence"]:
        out += _table(["Code", "Passages", "Facilitator held the floor", "Participants"],
                      [[item["label"], item["passages"], item["facilitator_share"], item["participants_share"]]
                       for item in data["evidence"]])
    else:
        out += ["No passage was tagged."]
    out += ["", "## Evidence", ""]
    for item in data["evidence"]:
        out += [f"### {_text(item['label'])}", ""]
        if not item["quotes"]:
            out += ["No passage is probable enough to quote (none over the evidence bar).", ""]
        for quote in item["quotes"]:
            out += [f"> {_text(quote['text'])}", ">", f"> — {_text(quote['speaker'])}, at {quote['at']} "
                    f"(lines {quote['lines']}, score {quote['score']})", ""]
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
            "- Speakers: " + (f"inferred from the text and timing (mean confidence {method['inference_confidence']:.2f})."
                              if method["inferred"] else "as named in the file."),
            f"- Tags: codebook \"{_text(method['codebook'])}\", model {_text(method['model'])}"
            + (f", calibrated; {method['validation']} macro-F1 {method['values_f1']} (values), "
               f"{method['spectrum_f1']} (spectrum). Scores are probabilities; evidence quotes only tags at or over "
               f"{method['evidence_bar'].get('values', 0):.2f} (values) and {method['evidence_bar'].get('spectrum', 0):.2f} "
               "(spectrum), the bars at which most quotes were right on transcripts the tagger had not seen."
               if method["calibrated"] else ", uncalibrated for this codebook."),
            "- Tags describe what was talked about, not how the session was run: a facilitator explaining "
            "\"doing with\" is not the session doing with."]
    out += [f"- {_text(note)}" for note in method["notes"]]
    return "\n".join(out) + "\n"
