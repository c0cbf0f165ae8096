"""Pseudonymisation: no name in any output, stable pseudonyms with a key, one-line key errors."""

from __future__ import annotations

import json
import re
import shutil

import duckdb
import pytest
from click.testing import CliRunner

from transcript_lens.analysis import analyse
from transcript_lens.cli import main
from transcript_lens.model import UNATTRIBUTED, Cue, Transcript
from transcript_lens.pseudonymise import Pseudonymiser

from .conftest import FIXTURES

WORKSHOP = FIXTURES / "cli" / "workshop.vtt"
PARTICIPANTS = FIXTURES / "cli" / "participants.csv"
WORKSHOP_NAMES = ["Rhian", "Price", "Tom", "Evans", "Alex", "Gray", "Morgan", "Hughes"]
SEED_NAMES = ["Mike", "Michael", "Amy", "Nicholas", "Marco", "Alice", "Alison", "Catrin", "Ketchin", "Ketch", "Claire",
              "Sean", "Shawn", "Cox", "Ellie", "Emma", "Gwenda", "Gwen", "Helen", "Griffiths", "Katie", "Casey", "Lucy",
              "Madeline", "Madeleine", "Goodson", "Michelle", "Jonathan", "John", "Tracey", "Ruth", "Richard", "Sue",
              "Ben", "Noreen", "Wendy"]
FCR_NAMES = ["Corcoran", "Mikhail", "Kalinin", "Roberto", "Saltini", "Julian", "Antoine", "Mikal"]


def run(*args):
    return CliRunner().invoke(main, [str(arg) for arg in args], catch_exceptions=False)


def leaked(text: str, names) -> list[str]:
    return [name for name in names if re.search(rf"(?<!\w){re.escape(name)}(?!\w)", text, re.IGNORECASE)]


def test_every_fast_output_is_free_of_the_names(tmp_path):
    outputs = [run("turns", WORKSHOP, "--anonymise", "--json", "--attendees", PARTICIPANTS).stdout,
               run("turns", WORKSHOP, "--anonymise", "--csv").stdout,
               run("airtime", WORKSHOP, "--anonymise", "--json", "--attendees", PARTICIPANTS).stdout,
               run("airtime", WORKSHOP, "--anonymise", "--csv").stdout,
               run("airtime", WORKSHOP, "--anonymise").stdout]
    for output in outputs:
        assert output and leaked(output, WORKSHOP_NAMES) == []
    record = json.loads(outputs[2])
    assert [s["name"] for s in record["speakers"]][:3] == ["Facilitator", "Participant 01", "Participant 02"]
    assert record["session"]["silent_attendees"] == ["Participant 03"]
    assert record["verdict"].startswith("The facilitator (a guess) spoke 53% of the time")


def test_the_key_gives_the_same_pseudonyms_again_and_is_never_in_the_output(tmp_path):
    key = tmp_path / "key.csv"
    first = run("turns", WORKSHOP, "--anonymise", "--json", "--key-out", key).stdout
    assert "Rhian Price" in key.read_text() and "Rhian" not in first
    # Another session of the programme: a new person gets the next number, known ones keep theirs.
    other = tmp_path / "other.vtt"
    other.write_text(WORKSHOP.read_text().replace("Tom Evans", "Nia Jones"))
    second = json.loads(run("turns", other, "--anonymise", "--json", "--key", key, "--key-out", key).stdout)
    assert [s["name"] for s in second["speakers"]][:3] == ["Facilitator", "Participant 03", "Participant 02"]
    again = run("turns", WORKSHOP, "--anonymise", "--json", "--key", key).stdout
    assert again == first


@pytest.mark.parametrize("content, message", [
    ("who,name\nP1,Ann\n", r"key.csv:1: needs the columns 'pseudonym' and 'name'"),
    ("pseudonym,name\nParticipant 01,Ann\nParticipant 01,Bob\n", r"key.csv:3: the pseudonym 'Participant 01' is given twice"),
    ("pseudonym,name\n,Ann\n", r"key.csv:2: a row needs both a pseudonym and a name"),
])
def test_a_bad_key_is_refused_and_nothing_is_written(tmp_path, content, message):
    key = tmp_path / "key.csv"
    key.write_text(content)
    out = tmp_path / "new_key.csv"
    result = run("turns", WORKSHOP, "--anonymise", "--json", "--key", key, "--key-out", out)
    assert result.exit_code == 2 and result.stdout == "" and not out.exists()
    assert re.search(message, result.stderr) and len(result.stderr.strip().splitlines()) == 1


def test_contacts_are_masked_and_names_in_the_text_replaced():
    cues = (Cue(0.0, 5.0, "Ann Lee", "Mail me at ann.lee@example.org or call 07700 900123, I'm @annlee online.", (1,)),
            Cue(5.0, 9.0, "Bob Chan", "Thanks Ann. ANN LEE said it well.", (2,)),
            Cue(9.0, 12.0, UNATTRIBUTED, "Will you join, Bob?", (3,)))
    transcript = Transcript(source="t.vtt", format="zoom_vtt", cues=cues)
    masked = analyse(transcript, facilitators=["Ann Lee"], infer="never", anonymise=Pseudonymiser()).transcript
    # Each replacement has as many words as what it replaces: no word count changes.
    assert [cue.text for cue in masked.cues] == [
        "Mail me at [email] or call [phone] …, I'm [handle] online.",
        "Thanks Facilitator. Facilitator … said it well.",
        "Will you join, Participant-01?"]
    assert [cue.speaker for cue in masked.cues] == ["Facilitator", "Participant 01", UNATTRIBUTED]
    assert [cue.words for cue in masked.cues] == [cue.words for cue in cues]


def test_places_stay_unless_asked():
    from transcript_lens.nlp import LazyPipeline

    cues = (Cue(0.0, 5.0, "Ann Lee", "I work for Cardiff Council in Wales.", (1,)),)
    transcript = Transcript(source="t.vtt", format="zoom_vtt", cues=cues)
    nlp = LazyPipeline()
    kept = analyse(transcript, infer="never", anonymise=Pseudonymiser(nlp=nlp)).transcript
    hidden = analyse(transcript, infer="never", anonymise=Pseudonymiser(nlp=nlp, places=True)).transcript
    assert "Wales" in kept.cues[0].text
    assert "Wales" not in hidden.cues[0].text and "[place]" in hidden.cues[0].text


def test_batch_no_text_and_anonymise(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(WORKSHOP, folder / "workshop.vtt")
    plain, hidden = tmp_path / "no_text.duckdb", tmp_path / "anon.duckdb"
    assert run("batch", folder, "--db", plain, "--no-tags", "--no-text", "--workers", "0").exit_code == 0
    with duckdb.connect(str(plain), read_only=True) as connection:
        assert connection.execute("SELECT count(*) FROM turns WHERE text IS NOT NULL").fetchone()[0] == 0
        assert connection.execute("SELECT count(*) FROM turns").fetchone()[0] == 7
    key = tmp_path / "key.csv"
    assert run("batch", folder, "--db", hidden, "--no-tags", "--anonymise", "--key-out", key,
               "--workers", "0").exit_code == 0
    with duckdb.connect(str(hidden), read_only=True) as connection:
        dump = json.dumps([connection.execute(f"SELECT * FROM {table}").fetchall()
                           for table in ("sessions", "speakers", "turns")], default=str)
    assert leaked(dump, WORKSHOP_NAMES) == [] and "Rhian Price" in key.read_text()


@pytest.mark.slow
def test_the_seed_in_every_output_format_names_nobody(seed, tmp_path):
    outputs = [run("turns", seed, "--anonymise", "--json").stdout, run("turns", seed, "--anonymise", "--csv").stdout,
               run("airtime", seed, "--anonymise", "--json").stdout, run("tag", seed, "--anonymise", "--json").stdout]
    for fmt in ("html", "md"):
        target = tmp_path / f"report.{fmt}"
        assert run("report", seed, "--anonymise", "--to", fmt, "-o", target).exit_code == 0
        outputs.append(target.read_text(encoding="utf-8"))
    for output in outputs:
        assert output and leaked(output, SEED_NAMES) == []


@pytest.mark.slow
def test_a_labelled_corpus_file_names_nobody(tmp_path):
    sample = FIXTURES.parents[1] / "samples" / "ethereum_fcr_2026-03-03.vtt"
    outputs = [run("turns", sample, "--anonymise", "--json").stdout, run("airtime", sample, "--anonymise").stdout]
    target = tmp_path / "report.md"
    assert run("report", sample, "--anonymise", "--to", "md", "-o", target).exit_code == 0
    outputs.append(target.read_text(encoding="utf-8"))
    for output in outputs:
        assert output and leaked(output, FCR_NAMES) == []
        assert not re.search(r"\bWill Corcoran\b", output)
