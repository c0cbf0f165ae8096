"""The Markdown reflection report: the same content as the HTML one, as tables and quotes."""

from __future__ import annotations

from typing import Any

from .content import percent


def _cell(value: Any) -> str:
    """Text safe in a Markdown table cell: no pipes, no line breaks, no raw HTML."""
    text = "" if value is None else str(value)
    return " ".join(text.replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;").split())


def _table(headers: list[str], rows: list[list[Any]]) -> list[str]:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(_cell(value) for value in row) + " |" for row in rows]
    return lines


def render_markdown(data: dict[str, Any]) -> str:
    session = data["airtime"]["session"]
    out = [f"# {_cell(data['title'])}", "", f"Post-workshop reflection report made by transcript_lens from "
           f"`{_cell(data['source'])}`.", "", "## Summary", "", f"**{_cell(data['verdict'])}**", ""]
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
    out += ["", "## Values and the spectrum of engagement", ""]
    if data["modes"]:
        out += ["Mode balance of the talk placed on the spectrum: "
                + ", ".join(f"{mode} {percent(share)}" for mode, share in data["modes"].items()) + ".", ""]
    if data["evidence"]:
        out += _table(["Code", "Passages", "Facilitator held the floor", "Participants"],
                      [[item["label"], item["passages"], item["facilitator_share"], item["participants_share"]]
                       for item in data["evidence"]])
    else:
        out += ["No passage was tagged."]
    out += ["", "## Evidence", ""]
    for item in data["evidence"]:
        out += [f"### {_cell(item['label'])}", ""]
        if not item["quotes"]:
            out += ["No passage is probable enough to quote (none over the evidence bar).", ""]
        for quote in item["quotes"]:
            out += [f"> {_cell(quote['text'])}", ">", f"> — {_cell(quote['speaker'])}, at {quote['at']} "
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
        out += [f"**{_cell(prompt['question'])}** {_cell(prompt['figure'])}", ""]
    method = data["method"]
    out += ["## How this was made, and how far to trust it", "",
            f"- Format detected: {method['format']}"
            + ("; some times were estimated." if method["estimated"] else "."),
            f"- Not attributed to anyone: {method['unattributed']}; overlapping speech: {method['overlap']}; "
            f"silence: {method['silence']}.",
            "- Speakers: " + (f"inferred from the text and timing (mean confidence {method['inference_confidence']:.2f})."
                              if method["inferred"] else "as named in the file."),
            f"- Tags: codebook \"{_cell(method['codebook'])}\", model {method['model']}"
            + (f", calibrated; {method['validation']} macro-F1 {method['values_f1']} (values), "
               f"{method['spectrum_f1']} (spectrum). Scores are probabilities; evidence quotes only tags at or over "
               f"{method['evidence_bar'].get('values', 0):.2f} (values) and {method['evidence_bar'].get('spectrum', 0):.2f} "
               "(spectrum), the bars at which most quotes were right on transcripts the tagger had not seen."
               if method["calibrated"] else ", uncalibrated for this codebook."),
            "- Tags describe what was talked about, not how the session was run: a facilitator explaining "
            "\"doing with\" is not the session doing with."]
    out += [f"- {_cell(note)}" for note in method["notes"]]
    return "\n".join(out) + "\n"
