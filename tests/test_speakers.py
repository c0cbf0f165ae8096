"""Speaker identity: name cleaning, merging variants, aliases, roles and the roster."""

from __future__ import annotations

import pytest

from transcript_lens.errors import OptionError
from transcript_lens.model import UNATTRIBUTED, Cue, Speaker, Transcript
from transcript_lens.speakers import (CleanName, clean_name, identify, load_aliases, parse_roles,
                                      silent_attendees)


@pytest.mark.parametrize("raw, display, host, device", [
    ("Amy Nicholas (Host)", "Amy Nicholas", True, False),
    ("Amy Nicholas (Co-host)", "Amy Nicholas", True, False),
    ("Gray, Alex (Guest)", "Alex Gray", False, False),
    ("Lopes, Joana", "Joana Lopes", False, False),
    ("  Joana   Lopes ", "Joana Lopes", False, False),
    ("Sam Lee’s iPad", "Sam Lee", False, True),
    ("Sam Lee's iPhone", "Sam Lee", False, True),
    ("JOHN SMITH", "John Smith", False, False),
    ("stokes", "stokes", False, False),
    ("Lumi | Offchain Labs", "Lumi | Offchain Labs", False, False),
    ("David (dionysuz)", "David (dionysuz)", False, False),
])
def test_clean_name(raw, display, host, device):
    clean = clean_name(raw)
    assert (clean.display, clean.host, clean.device) == (display, host, device)


def test_keys_ignore_case_spacing_and_a_trailing_parenthesis():
    assert clean_name("Ashlee Kupor (SL)").key == clean_name("ashlee  kupor").key
    assert clean_name("Gray, Alex").key == clean_name("Alex Gray (Host)").key


def make(*labels):
    cues = tuple(Cue(float(i), float(i) + 1, label, "one two", (i + 1,)) for i, label in enumerate(labels))
    return Transcript(source="m.vtt", format="zoom_vtt", cues=cues)


def test_variants_of_one_person_merge_and_host_is_marked():
    cast = identify(make("Ann Lee (Host)", "Ann Lee", "Bo Chan", UNATTRIBUTED, "ann lee"), facilitators=["Bo"])
    assert cast.labels == {"Ann Lee (Host)": "Ann Lee", "Ann Lee": "Ann Lee", "ann lee": "Ann Lee",
                           "Bo Chan": "Bo Chan", UNATTRIBUTED: UNATTRIBUTED}
    assert cast.speakers == (
        Speaker("Ann Lee", "host", False, ("Ann Lee (Host)", "ann lee")),
        Speaker("Bo Chan", "facilitator", False, ()),
        Speaker(UNATTRIBUTED, "unattributed"),
    )
    assert cast.facilitator_guess is None


def test_aliases_csv_and_yaml(tmp_path):
    csv_file = tmp_path / "aliases.csv"
    csv_file.write_text("variant,name\nKetchin,Catrin\nShawn,Sean\n", encoding="utf-8")
    yaml_file = tmp_path / "aliases.yaml"
    yaml_file.write_text("Catrin: [Ketchin, Ketch]\nShawn: Sean\n", encoding="utf-8")
    assert load_aliases(csv_file) == {"ketchin": "Catrin", "shawn": "Sean"}
    assert load_aliases(yaml_file) == {"ketchin": "Catrin", "ketch": "Catrin", "shawn": "Sean"}
    cast = identify(make("Ketchin", "Catrin", "Shawn"), aliases=load_aliases(csv_file))
    assert [s.name for s in cast.speakers] == ["Catrin", "Sean"]


def test_alias_file_errors_name_the_file_and_row(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("Ketchin,Catrin\nShawn\n", encoding="utf-8")
    with pytest.raises(OptionError) as error:
        load_aliases(bad)
    assert str(error.value).startswith(f"{bad}:2: expected two columns")
    conflict = tmp_path / "conflict.csv"
    conflict.write_text("Ketchin,Catrin\nketchin,Kitty\n", encoding="utf-8")
    with pytest.raises(OptionError, match=r"conflict.csv:2: 'ketchin' is mapped to both"):
        load_aliases(conflict)


def test_roles_and_unknown_facilitator():
    assert parse_roles(["Ann=host", "Bo = participant"]) == {"Ann": "host", "Bo": "participant"}
    with pytest.raises(OptionError, match="is not NAME=ROLE"):
        parse_roles(["Ann=boss"])
    with pytest.raises(OptionError, match=r"m.vtt: --facilitator 'Zed' matches no speaker \(speakers are: Ann"):
        identify(make("Ann", "Bo"), facilitators=["Zed"])


def test_a_first_name_picks_a_unique_person():
    cast = identify(make("Mike Jones", "Amy Nicholas"), facilitators=["mike"])
    assert cast.facilitators == ("Mike Jones",)


def test_silent_attendees_match_full_names_first_names_and_devices():
    roster = ["Andrew Knight", "George Harrison", "Paul McCartney (Wings)", "Eric's iPad (Clapton)",
              "Yoko Ono", "Ringo"]
    spoke = ["Andrew Knight", "Paul McCartney", "Eric", "Ringo Starr"]
    assert silent_attendees(roster, spoke) == ("George Harrison", "Yoko Ono")


def test_clean_name_returns_value_objects():
    assert clean_name("Ann") == CleanName(display="Ann", key="ann")
