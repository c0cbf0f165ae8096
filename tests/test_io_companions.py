"""Companion files: the Zoom chat (three layouts) and participants / attendee lists.

One small fixture per layout or quirk in tests/fixtures/companions/ (see its README), then the
real corpus files.
"""

from __future__ import annotations

import pytest

from tests.conftest import FIXTURES
from transcript_lens.errors import EmptyFileError, MalformedError, NotATranscriptError
from transcript_lens.io import detect, open_source, read_chat, read_roster
from transcript_lens.io.zoom_chat import public_messages
from transcript_lens.companions import Attendee, ChatMessage

COMPANIONS = FIXTURES / "companions"


# ---- Zoom chat -----------------------------------------------------------------------------

def test_cloud_chat_layout():
    chat = read_chat(COMPANIONS / "chat_cloud.txt")
    assert chat.format == "zoom_chat"
    assert chat.messages == (
        ChatMessage(130.0, "Maya Ortiz", "Welcome all, please add your name and organisation", (1,)),
        ChatMessage(161.0, "Jon Bell (he/him)", "Jon, Riverside Tenants Union", (2,)),
        ChatMessage(185.0, "Maya Ortiz", 'Reacted to "Jon, Riverside Tena..." with 👍🏽', (3,),
                    reaction=True),
        # A message over several lines (LF inside a CRLF file) keeps them all; blank ones drop.
        ChatMessage(252.0, "Priya K", "A question for later:\nhow will the survey reach renters?\n"
                    "Link: https://example.org/survey", (4, 6, 7)),
        ChatMessage(300.0, "Jon Bell (he/him)", 'Replying to "A question for later..."\nGood point',
                    (8, 10)),
        ChatMessage(330.0, "Priya K", 'Removed a 👍 reaction from "Good point"', (11,), reaction=True),
        ChatMessage(362.0, "Priya K", "can I share my screen?", (12,), recipient="Maya Ortiz",
                    direct=True),
    )


def test_local_inline_layout_with_private_messages():
    chat = read_chat(COMPANIONS / "chat_local_inline.txt")
    assert chat.messages == (
        ChatMessage(10 * 3600 + 15 * 60 + 1.0, "Maya Ortiz", "Good morning everyone", (1,)),
        ChatMessage(10 * 3600 + 15 * 60 + 40.0, "Jon Bell", "Morning! Slides here:\nhttps://example.org/slides",
                    (2, 3)),
        ChatMessage(10 * 3600 + 16 * 60 + 2.0, "Jon Bell", "running 5 min late for my slot", (4,),
                    recipient="Maya Ortiz", direct=True),
        ChatMessage(10 * 3600 + 16 * 60 + 30.0, "Priya K", "thanks", (5,), recipient="Jon Bell",
                    direct=True),
        ChatMessage(10 * 3600 + 17 * 60 + 0.0, "Priya K", "👍", (6,)),
    )


def test_local_block_layout_over_midnight():
    chat = read_chat(COMPANIONS / "chat_local_block.txt")
    assert [message.time for message in chat.messages] == [86300.0, 86385.0, 86430.0, 86470.0]
    assert chat.messages[0] == ChatMessage(86300.0, "Maya Ortiz",
                                           "Last item before we close\nthree lines\nin one message",
                                           (1, 2, 3, 4))
    assert chat.messages[1].direct and chat.messages[1].recipient == "Maya Ortiz"
    assert chat.messages[2].reaction and not chat.messages[2].direct


def test_public_messages_leave_out_direct_messages_and_reactions():
    chat = read_chat(COMPANIONS / "chat_cloud.txt")
    assert [message.lines[0] for message in public_messages(chat)] == [1, 2, 4, 8]
    assert [message.lines[0] for message in public_messages(chat, include_direct=True)] == [1, 2, 4, 8, 12]
    assert len(public_messages(chat, include_direct=True, include_reactions=True)) == 7


@pytest.mark.parametrize("name", ["chat_cloud.txt", "chat_local_inline.txt", "chat_local_block.txt"])
def test_chat_layouts_are_detected(name):
    assert detect(open_source(COMPANIONS / name), kind="chat").name == "zoom_chat"


def test_empty_chat_file(tmp_path):
    empty = tmp_path / "chat.txt"
    empty.write_text("\n")
    with pytest.raises(EmptyFileError):
        read_chat(empty)


def test_text_that_is_not_a_chat(tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("We met on Tuesday.\nEveryone agreed on the plan.\n")
    with pytest.raises(NotATranscriptError):
        read_chat(notes)


# ---- participants and attendee lists ------------------------------------------------------

def test_participants_report_with_meeting_table_bom_and_crlf():
    roster = read_roster(COMPANIONS / "participants_two_tables.csv")
    assert roster.format == "zoom_participants"
    assert roster.attendees == (
        Attendee("Maya Ortiz", 91.0, 5),
        Attendee("Jon Bell (Riverside TU)", 85.0, 6),
        Attendee("Priya's iPad (Priya K)", 40.0, 7),
        Attendee("Sam Lee", 12.0, 8),
    )


def test_participants_one_row_per_join_are_summed():
    roster = read_roster(COMPANIONS / "participants_joins.csv")
    assert roster.attendees == (
        Attendee("Maya Ortiz", 91.0, 2),
        Attendee("Okafor, Ada", 77.0, 3),
        Attendee("Jon Bell", 50.0, 4),
    )


def test_webinar_report_sections_and_absentees():
    roster = read_roster(COMPANIONS / "webinar_attendees.csv")
    assert roster.attendees == (
        Attendee("Maya Ortiz", 65.0, 7),
        Attendee("Jon Bell", 50.0, 10),
        Attendee("Priya K", 40.0, 13),  # Sam Lee registered but did not attend
    )


def test_hand_written_list_keeps_commas_in_names():
    roster = read_roster(COMPANIONS / "attendees_list.txt")
    assert roster.attendees == (Attendee("Maya Ortiz", None, 2), Attendee("Okafor, Ada", None, 3),
                                Attendee("Jon Bell", None, 5))


@pytest.mark.parametrize("name", ["participants_two_tables.csv", "participants_joins.csv",
                                  "webinar_attendees.csv"])
def test_no_email_addresses_are_kept(name):
    roster = read_roster(COMPANIONS / name)
    assert "@" not in repr(roster)


@pytest.mark.parametrize(("name", "line", "words", "fix"), [
    ("attendees_no_name.csv", 1, "has no name column", "'Name' column"),
    ("participants_bad_minutes.csv", 3, "is not a number", "fix the duration"),
])
def test_roster_in_the_wrong_shape(name, line, words, fix):
    with pytest.raises(MalformedError) as error:
        read_roster(COMPANIONS / name)
    message = str(error.value)
    assert message.startswith(f"{COMPANIONS / name}:{line}: ") and words in message
    assert "\n" not in message and fix in error.value.hint


# ---- the real corpus ------------------------------------------------------------------------

CHATS = [
    ("zoom_vtt/cip_test_transcript/chat.txt", 4, 2),
    ("zoom_vtt/ethereum_pm/acdc_2026-03-19_176__chat.txt", 306, 41),
    ("zoom_vtt/preasync_mdh_class_2022-04-12/GMT20220412-055954_Recording_chat.txt", 5, 3),
    ("format_samples/zoom_newChat_excerpt.txt", 7, 3),
    ("format_samples/zoom_zoomGroupStats_meeting003_chat.txt", 10, 5),
]


def test_every_corpus_chat_is_listed(exports):
    found = {str(path.relative_to(exports)) for path in exports.glob("zoom_vtt/**/*chat*.txt")}
    assert found - {path for path, _, _ in CHATS} == {"zoom_vtt/cip_test_transcript/empty_chat.txt"}


@pytest.mark.parametrize(("path", "messages", "senders"), CHATS)
def test_corpus_chats(exports, path, messages, senders):
    chat = read_chat(exports / path)
    assert chat.format == "zoom_chat"
    assert len(chat.messages) == messages
    assert len({message.sender for message in chat.messages}) == senders
    assert all(message.text.strip() for message in chat.messages)
    assert all(message.time is not None for message in chat.messages)


def test_corpus_chat_details(exports):
    ethereum = read_chat(exports / "zoom_vtt/ethereum_pm/acdc_2026-03-19_176__chat.txt")
    bot = ethereum.messages[3]
    assert bot.sender == "Fireflies.ai Notetaker Andriia" and bot.lines == (4, 6, 7, 8, 10)
    assert bot.text.endswith("?ref=live_chat")
    excerpt = read_chat(exports / "format_samples/zoom_newChat_excerpt.txt")
    assert [message.reaction for message in excerpt.messages] == [False] * 3 + [True, False, True, True]


def test_corpus_empty_chat(exports):
    with pytest.raises(EmptyFileError):
        read_chat(exports / "zoom_vtt/cip_test_transcript/empty_chat.txt")


def test_corpus_participants(exports):
    roster = read_roster(exports / "format_samples/zoom_zoomGroupStats_meeting001_participants.csv")
    assert roster.format == "zoom_participants"
    assert len(roster.attendees) == 10
    assert roster.attendees[0] == Attendee("Andrew Knight", 75.0, 5)
    assert "Paul McCartney (Wings)" in roster.names
    assert "@" not in repr(roster)
