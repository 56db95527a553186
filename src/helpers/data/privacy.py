"""Privacy guard: nothing in the report's data may identify a forum user.

Every text column of every table is scanned (``schema`` declares each column's privacy kind in its
metadata) for e-mail addresses, phone numbers, links to user profiles, @handles and participant ids
that are not the 2025 study's pseudonyms. A finding names its kind and shows the value only masked
(``j***@example.org``), so the check itself never copies identifying text into logs.

The 2025 evaluation allocated each of its seven forums a bird name as a pseudonym (Methods, Forums)
and identifies participants by forum pseudonym, an optional digit and a number: ``Magpie_100``,
``Sparrow2_003`` (Results, quotes). The seven names are those the paper prints.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

# The seven forums of the 2025 evaluation, as the paper names them (Robin and Magpie in Methods;
# Dunnock and Robin in Results, Participants; the others in the attributions of quotes).
FORUM_PSEUDONYMS = ("Chaffinch", "Dunnock", "Jay", "Magpie", "Robin", "Sparrow", "Starling")
PARTICIPANT_ID = re.compile(rf"^(?:{'|'.join(FORUM_PSEUDONYMS)})\d?_\d{{1,4}}$")

# Privacy kinds a column can declare (schema metadata key PRIVACY_KEY).
PRIVACY_KEY = "privacy"
FREE_TEXT = "free_text"  # scanned for contact details, profiles, handles and participant-id-shaped words
PARTICIPANT_ID_COLUMN = "participant_id"  # the whole cell must be a study pseudonym such as Magpie_100

_EMAIL = re.compile(r"(?<![\w.+-])([\w.+-]{1,64})@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})")
# Candidate phone numbers: a run of digits and separators; see _is_phone for what counts.
_PHONE_CANDIDATE = re.compile(r"(?<![\w.,/+-])(\+|\(?0)[\d\s().-]{7,20}\d(?![\w.,/-]*\d)")
_PROFILE_URL = re.compile(
    r"(?i)\b(?:https?://)?(?:[a-z0-9-]+\.)*"
    r"(?:(reddit\.com)/(?:u|user)/[^\s/]+"
    r"|(facebook\.com|fb\.com|instagram\.com|twitter\.com|x\.com|tiktok\.com|threads\.net|linkedin\.com)/[^\s]+"
    r"|(youtube\.com)/(?:@|user/|c/|channel/)[^\s]+"
    r"|([a-z0-9-]+(?:\.[a-z0-9-]+)+)/(?:[^\s]*/)?(?:members?|profiles?|users?|u|people|author)/[^\s/]+)"
)
_HANDLE = re.compile(r"(?<![\w@./:-])@([A-Za-z0-9_](?:[A-Za-z0-9_.]{0,29}[A-Za-z0-9_])?)\b")
# Words shaped like a participant id (Name_123, Name2_045, also Markdown-escaped Name\_123): a
# capitalised word, an optional digit, '_' and two to four digits. (CMO_2024 or Table_1 are not.)
_ID_SHAPED = re.compile(r"(?<![\w])([A-Z][a-z]{1,30}\d?)\\?_(\d{2,4})(?![\w])")


def _mask(text: str, keep: int = 1) -> str:
    return text[:keep] + "***"


def _is_phone(candidate: str) -> bool:
    """UK numbers (0 + 9-10 digits) and international ones (+ country code, 8-15 digits).

    Years, DOIs, page ranges, confidence intervals (0.12-0.45) and counts (1,234) never start with
    '+' or a 0 followed by nine or more digits, so they are not taken for phone numbers.
    """
    digits = re.sub(r"\D", "", candidate)
    if "." in candidate and not candidate.startswith("+"):
        return False
    if candidate.startswith("+"):
        return 8 <= len(digits) <= 15
    # UK numbers group their digits in threes or more (020 7946 0958, 07700 900123); an ISBN such as
    # 0-19-852663-6 does not.
    groups = re.findall(r"\d+", candidate)
    return digits.startswith("0") and 10 <= len(digits) <= 11 and all(len(g) >= 3 for g in groups)


# Every pattern above needs one of these: '@' (e-mail, handle), '/' (profile link), '_' (id-shaped
# word), '+' or a 0 followed by seven digits or separators (phone). A cell without any is skipped,
# which keeps validating a hundredfold evidence base within its time budget.
_MAYBE_IDENTIFYING = re.compile(r"[@/_+]|0[\d\s().-]{7}")


def findings(text: str) -> Iterator[tuple[str, str]]:
    """(kind, masked value) for every identifying detail in a free-text ``text``."""
    if not _MAYBE_IDENTIFYING.search(text):
        return
    for match in _EMAIL.finditer(text):
        yield "an e-mail address", f"{_mask(match.group(1))}@{match.group(2)}"
    for match in _PHONE_CANDIDATE.finditer(text):
        if _is_phone(match.group(0).strip()):
            digits = re.sub(r"\D", "", match.group(0))
            yield "a phone number", f"{match.group(0)[0]}***{digits[-2:]}"
    for match in _PROFILE_URL.finditer(text):
        host = next(g for g in match.groups() if g)
        yield "a link to a user profile", f"{host.lower()}/***"
    without_emails = _EMAIL.sub(" ", text)
    for match in _HANDLE.finditer(without_emails):
        yield "an @handle", "@" + _mask(match.group(1))
    for match in _ID_SHAPED.finditer(text):
        word = f"{match.group(1)}_{match.group(2)}"
        if not PARTICIPANT_ID.match(word):
            yield "a participant id that is not a study pseudonym", f"{_mask(word)}_{match.group(2)}"


def participant_id_problem(value: str) -> str | None:
    """Why ``value`` is not a study pseudonym (forum bird name, optional digit, '_', number), or None."""
    if PARTICIPANT_ID.match(value):
        return None
    return (
        f"holds a participant id that is not a study pseudonym ({_mask(value)}); ids are a forum bird name "
        f"({', '.join(FORUM_PSEUDONYMS)}), an optional digit, '_' and a number, e.g. Magpie_100"
    )


def describe(kind: str, masked: str) -> str:
    return f"holds {kind} ({masked}); nothing in the report may identify a forum user: remove it"
