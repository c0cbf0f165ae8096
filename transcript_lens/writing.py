"""Writing systems: what counts as a letter in any script, and how much speech a text holds when
its script writes no spaces between words.

Owns: the word count every stage reports (``count_words``), the word-equivalents that time
estimates use (``speech_words``) and the letter test of display names (``has_letters``). Latin,
Cyrillic, Greek, Arabic, Devanagari, Hangul… are counted by spaces as before; Chinese characters
and Japanese kana are counted by character, because a caption sentence in them is one "word" to
``str.split`` and its speech would be underestimated several times over.

Rates (also in docs/metrics.md):

* ``CJK_CHARS_PER_SECOND`` = 5: Mandarin is read aloud at about 5.2 syllables a second, one
  syllable per character (Pellegrino, Coupé & Marsico 2011, "A cross-language perspective on
  speech information rate", Language 87(3)); Japanese read at a news pace runs at 270-300 mixed
  kanji-kana characters a minute (the broadcasting rule of thumb: a 400-character manuscript
  page in about a minute and a half), close to 5 a second.
* ``CJK_CHARS_PER_WORD`` = 1.5: segmented Chinese text averages about one and a half characters
  a word (word-segmentation corpora such as the PKU People's Daily corpus); Japanese morphemes
  are of similar length.

Thai, Lao, Khmer and Myanmar also write no spaces, but they spell a syllable with several code
points and no sourced characters-a-second rate was found: they are still counted by spaces.
"""

from __future__ import annotations

#: Characters a second of Chinese or Japanese speech (see the module docstring for sources).
CJK_CHARS_PER_SECOND = 5.0
#: Characters of Chinese or Japanese text per word (see the module docstring for the source).
CJK_CHARS_PER_WORD = 1.5
#: The English pace the word-based estimates assume (``io.timing.WORDS_PER_SECOND``).
_WORDS_PER_SECOND = 2.5
#: Every UTF-8 byte below 0xE3: a text whose encoding holds none of the others has no character
#: from U+3000 on, so no Chinese or Japanese, and is counted by spaces without looking at each
#: character (six times faster than ``max(text)``, which matters per cue on the airtime path;
#: ``surrogatepass`` lets the lone surrogates a JSON file may hold through).
_BELOW_U3000 = bytes(range(0xE3))


def _is_cjk(char: str) -> bool:
    """Kana (with the prolonged-sound mark), CJK ideographs (extension A, compatibility forms,
    the supplementary planes) and half-width katakana. CJK punctuation (、。「」) is no speech.

    Comparisons rather than a regular expression: compiling a character class this wide costs
    milliseconds at start-up, more than reading a transcript."""
    code = ord(char)
    return (0x4E00 <= code <= 0x9FFF or 0x3040 <= code <= 0x30FF or 0x3400 <= code <= 0x4DBF
            or 0x31F0 <= code <= 0x31FF or 0xF900 <= code <= 0xFAFF or 0xFF66 <= code <= 0xFF9F
            or 0x20000 <= code <= 0x3134F)


def count_words(text: str) -> int:
    """Words in ``text``: space-separated words, with runs of Chinese or Japanese counted at
    ``CJK_CHARS_PER_WORD`` characters a word (at least one word for any such run)."""
    if text.isascii() or not text.encode("utf-8", "surrogatepass").translate(None, _BELOW_U3000):
        return len(text.split())
    spaced, cjk = _split_cjk(text)
    if not cjk:
        return spaced
    return spaced + max(1, round(cjk / CJK_CHARS_PER_WORD))


def speech_words(text: str) -> float:
    """How long ``text`` takes to say, in words at the English pace of the time estimates:
    Chinese and Japanese characters count ``_WORDS_PER_SECOND / CJK_CHARS_PER_SECOND`` of a
    word each, so that estimates in seconds follow ``CJK_CHARS_PER_SECOND``."""
    if text.isascii() or not text.encode("utf-8", "surrogatepass").translate(None, _BELOW_U3000):
        return len(text.split())
    spaced, cjk = _split_cjk(text)
    return spaced + cjk * _WORDS_PER_SECOND / CJK_CHARS_PER_SECOND


def _split_cjk(text: str) -> tuple[int, int]:
    """(space-separated words outside Chinese/Japanese runs, Chinese/Japanese characters).

    Beside those runs a token of punctuation alone (the ``、`` and ``。`` left between them) is
    no word."""
    spaced = "".join(" " if _is_cjk(char) else char for char in text)
    cjk = spaced.count(" ") - text.count(" ")
    if not cjk:
        return len(text.split()), 0
    return sum(1 for token in spaced.split() if any(char.isalnum() for char in token)), cjk


def is_letter_or_mark(char: str) -> bool:
    """True for a letter of any script or a combining mark (a Tamil vowel sign, the accent of a
    name written in NFD): marks are part of names although ``str.isalpha`` says no."""
    if char.isalpha():
        return True
    if char.isascii():
        return False
    import unicodedata  # 0.3 ms to import: only for names with a non-letter outside ASCII

    return unicodedata.category(char).startswith("M")


def has_letters(text: str) -> bool:
    """True when ``text`` holds a letter or a combining mark of any script."""
    return any(char.isalpha() for char in text) or (
        not text.isascii() and any(is_letter_or_mark(char) for char in text))
