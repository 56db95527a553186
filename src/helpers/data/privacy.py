"""Privacy guard: nothing in the report's data may identify a forum user.

Every text column of every table is scanned (``schema`` declares each column's privacy kind in its
metadata) for e-mail addresses, phone numbers, links to user profiles, @handles and usernames, participant
ids that are not the 2025 study's pseudonyms, dates of birth, postcodes, and personal names next to a
health condition. A finding names its kind and shows the value only masked (``j***@example.org``), so the
check itself never copies identifying text into logs.

Text is read as a person would read it (:func:`canonical`): fullwidth forms folded (``＠`` is ``@``), every
dash (the non-breaking hyphen too) a hyphen, every space a space, obfuscated addresses undone
(``jane [at] example [dot] org``, ``jane dot doe at example dot com``), digits spelled out or spaced one by
one joined (``zero seven seven ...``, ``0 7 7 0 0 ...``). Phone numbers are those the ``phonenumbers`` library
finds valid for the UK, Ireland, Australia, New Zealand, Germany and France, any number written with ``+``
and a country code, UK numbers written as people write them, and North American ``(415) 555-0100`` forms.

**Names next to health conditions** (a heuristic, documented in data/README.md): a personal name (a title
such as Mr, Ms, Dr followed by a capitalised word, or a common given name from :data:`GIVEN_NAMES`
followed by a capitalised word) in the same sentence as, and within 60 characters of, a health condition
(:data:`CONDITIONS`). A curator who has checked such a finding (an author named in a title, a public
figure) records it in the row's optional ``privacy_reviewed`` column (:data:`REVIEW_COLUMN`) as
``reviewed by <who> on <YYYY-MM-DD>: <why>``; that silences this one kind of finding for that row only. A column
of published bibliographic records (authors, titles, venues of the screening log) is declared
:data:`PUBLIC_AUTHORSHIP` in the schema: this one kind of finding is not looked for there, every other is.

The 2025 evaluation allocated each of its seven forums a bird name as a pseudonym (Methods, Forums)
and identifies participants by forum pseudonym, an optional digit and a number: ``Magpie_100``,
``Sparrow2_003`` (Results, quotes). The seven names are those the paper prints.
"""

from __future__ import annotations

import functools
import re
import sys
import unicodedata
from collections.abc import Iterator

import phonenumbers

# The seven forums of the 2025 evaluation, as the paper names them (Robin and Magpie in Methods;
# Dunnock and Robin in Results, Participants; the others in the attributions of quotes).
FORUM_PSEUDONYMS = ("Chaffinch", "Dunnock", "Jay", "Magpie", "Robin", "Sparrow", "Starling")
PARTICIPANT_ID = re.compile(rf"^(?:{'|'.join(FORUM_PSEUDONYMS)})\d?_\d{{1,4}}$")

# Privacy kinds a column can declare (schema metadata key PRIVACY_KEY).
PRIVACY_KEY = "privacy"
FREE_TEXT = "free_text"  # scanned for contact details, profiles, handles and participant-id-shaped words
PARTICIPANT_ID_COLUMN = "participant_id"  # the whole cell must be a study pseudonym such as Magpie_100
# A bibliographic record's authors, title and venue (the screening log): authorship is public, so a personal name
# next to a health condition there is an author and a title, not a forum user; every other finding still applies.
PUBLIC_AUTHORSHIP = "public_authorship"

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


# ---------------------------------------------------------------- reading text as a person would

_SPELLED = {
    "zero": "0", "oh": "0", "one": "1", "two": "2", "three": "3", "four": "4",
    "five": "5", "six": "6", "seven": "7", "eight": "8", "nine": "9",
}  # fmt: skip
_SPELLED_RUN = re.compile(rf"(?i)\b(?:(?:{'|'.join(_SPELLED)})[\s,-]+){{6,}}(?:{'|'.join(_SPELLED)})\b")
_SPACED_DIGITS = re.compile(r"(?<![\w.])\+?[0-9](?:[ .-][0-9]){8,}(?![\w])")
_BRACKETED = r"\s*[\[({<]\s*WORD\s*[\])}>]\s*"
_OBFUSCATED_AT = re.compile("(?i)" + _BRACKETED.replace("WORD", "at") + r"|\s+@\s+")
_OBFUSCATED_DOT = re.compile("(?i)" + _BRACKETED.replace("WORD", "dot"))
_TLDS = "com|org|net|edu|gov|ac|co|uk|io|info|me|ie|au|nz|ca|de|fr|nl|us|eu"
# 'jane dot doe at example dot com': spelled 'at' only with a spelled 'dot' before a common top-level domain.
_SPELLED_ADDRESS = re.compile(
    rf"(?i)\b([a-z0-9_+-]+(?:(?:\s+dot\s+|\.)[a-z0-9_+-]+)*)\s+at\s+([a-z0-9-]+(?:(?:\s+dot\s+|\.)[a-z0-9-]+)*\s+dot\s+(?:{_TLDS}))\b"
)


@functools.cache
def _fold_table() -> dict[int, str]:
    """Every dash (Unicode Pd, and the minus sign) to '-', every other space character to ' ' (built on first use)."""
    table = {}
    for code in range(0x80, sys.maxunicode + 1):
        char = chr(code)
        if unicodedata.category(char) == "Pd" or char == "\u2212":
            table[code] = "-"
        elif char.isspace():
            table[code] = " "
    return table


def canonical(text: str) -> str:
    """``text`` as a person reads it: the folding and undoing of obfuscations described in the module."""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text).translate(_fold_table())
    text = _SPELLED_RUN.sub(lambda m: "".join(_SPELLED[w.lower()] for w in re.findall(r"[A-Za-z]+", m.group(0))), text)
    text = _SPACED_DIGITS.sub(lambda m: re.sub(r"[ .-]", "", m.group(0)), text)
    text = _OBFUSCATED_AT.sub("@", text)
    text = _OBFUSCATED_DOT.sub(".", text)
    return _SPELLED_ADDRESS.sub(
        lambda m: re.sub(r"(?i)\s+dot\s+", ".", m.group(1)) + "@" + re.sub(r"(?i)\s+dot\s+", ".", m.group(2)), text
    )


# ---------------------------------------------------------------- what else identifies a person

PHONE_REGIONS = ("GB", "IE", "AU", "NZ", "DE", "FR")
_NANP = re.compile(r"(?<![\w.])(?:\+?1[ .-]?)?\(?[2-9][0-9]{2}\)?[ .-][0-9]{3}[ .-][0-9]{4}(?![\w.])")
_USERNAME = re.compile(
    r"(?i)(?<![\w/.])/?u/[a-z0-9_-]{3,20}\b"  # Reddit
    r"|\b[a-z0-9_.]{2,32}#[0-9]{4}\b"  # Discord (legacy tags)
    r"|\b(?:t\.me|snapchat\.com/add|twitch\.tv|[a-z0-9-]+\.tumblr\.com|mastodon\.[a-z.]+/@)[/@]?[a-z0-9_.-]*"
    r"|\b(?:user ?name|screen ?name|gamer ?tag|handle|nickname|display name)\s*[:=]\s*[\"'“‘]?[^\s\"'”’]{2,}"
)
_MONTHS = (
    "jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?"
    "|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
_DATE = (
    r"(?:[0-9]{1,2}[/.-][0-9]{1,2}[/.-][0-9]{2,4}"  # 12/03/1990
    rf"|[0-9]{{1,2}}(?:st|nd|rd|th)?\s+(?:{_MONTHS})\.?,?\s+[0-9]{{4}}"  # 12 March 1990
    rf"|(?:{_MONTHS})\.?\s+[0-9]{{1,2}}(?:st|nd|rd|th)?,?\s+[0-9]{{4}}"  # March 12, 1990
    r"|[0-9]{4}-[0-9]{2}-[0-9]{2})"  # 1990-03-12
)
_BIRTH = re.compile(rf"(?i)\b(?:d\.?o\.?b\.?|date of birth|birth ?date|birthday|born(?:\s+on)?)\s*[:\-]?\s*({_DATE})")
_UK_POSTCODE = re.compile(r"\b(?:[A-PR-UWYZ][A-HK-Y]?[0-9][0-9A-HJKMNPR-Y]?)\s?[0-9][ABD-HJLNP-UW-Z]{2}\b")
_POSTCODE_WORD = re.compile(r"(?i)\b(?:post ?code|zip(?: ?code)?|postal code)\s*[:=]?\s*([A-Z0-9][A-Z0-9 -]{2,9}[A-Z0-9])\b")

# Common given names (English-speaking countries); the forum pseudonyms that are also names (Robin, Jay) are
# left out, so a forum's name is never taken for a person's.
GIVEN_NAMES = frozenset(
    """Aaron Abigail Adam Aisha Alan Albert Alex Alexander Alice Alison Amanda Amelia Amy Andrea Andrew Angela
    Ann Anna Anne Anthony Ashley Barbara Ben Benjamin Beth Bethany Bill Bob Brian Carl Carol Caroline Catherine
    Charles Charlie Charlotte Chloe Chris Christine Christopher Claire Daniel David Deborah Dennis Diana Donald
    Dorothy Edward Eleanor Elizabeth Ellie Emily Emma Eric Fatima Frank Gary George Georgia Grace Hannah Harry
    Heather Helen Henry Isabella Jack Jacob Jake James Jane Janet Jason Jennifer Jenny Jessica Joan John Jonathan
    Joseph Joshua Julia Julie Karen Kate Katherine Kathleen Kevin Laura Lauren Linda Lisa Louise Lucy Margaret
    Maria Mark Martin Mary Matthew Megan Melissa Michael Michelle Mohammed Muhammad Nancy Nicholas Nicola Oliver
    Olivia Patricia Paul Peter Philip Rachel Rebecca Richard Robert Ryan Samantha Samuel Sandra Sarah Scott
    Sharon Sophie Stephanie Stephen Steven Susan Thomas Timothy Tom Victoria William Zoe""".split()
)
CONDITIONS = (
    r"depress\w*|anxiety|anxious|bipolar|schizo\w*|psychos[ie]s|psychotic|ptsd|ocd|adhd|autis\w*|"
    r"eating disorders?|anorexi\w*|bulimi\w*|self[- ]harm\w*|suicid\w*|overdos\w*|diagnos[ie]s|diagnosed|"
    r"borderline|personality disorder|dementia|hiv|cancer|addict\w*|alcoholi\w*"
)
_NAME = re.compile(
    r"\b(?:(?:Mr|Mrs|Ms|Miss|Mx|Dr)\.?\s+[A-Z][a-z'-]+|(?:" + "|".join(sorted(GIVEN_NAMES)) + r")\s+[A-Z][a-z'-]+)\b"
)
_CONDITION = re.compile(rf"(?i)\b(?:{CONDITIONS})\b")
NAME_NEAR_CONDITION = "a personal name next to a health condition"
REVIEW_COLUMN = "privacy_reviewed"
REVIEW_NOTE = re.compile(r"^reviewed by \S.* on [0-9]{4}-[0-9]{2}-[0-9]{2}: \S.*$")
NEAR = 60  # characters between a name and a condition, within one sentence


def _names_near_conditions(text: str) -> Iterator[str]:
    for name in _NAME.finditer(text):
        start, end = max(0, name.start() - NEAR), name.end() + NEAR
        for condition in _CONDITION.finditer(text, start, end):
            between = text[min(name.end(), condition.end()) : max(name.start(), condition.start())]
            if not re.search(r"[.!?;]\s", between):
                yield name.group(0)
                break


# Bibliographic numbers that a phone-number library would read as numbers (an ISBN is a valid UK number
# more often than not): removed before phones are looked for.
_NOT_PHONES = re.compile(r"(?i)\bISBN(?:-1[03])?:?\s*[0-9][0-9Xx -]{8,16}[0-9Xx]|\b10\.[0-9]{4,9}/\S+")


_DIGIT_STRETCH = re.compile(r"\+?\(?[0-9](?:[\s().-]{0,3}[0-9]){6,}")


def _phones(text: str) -> Iterator[str]:
    text = _NOT_PHONES.sub(" ", text)
    seen: set[str] = set()
    for match in _PHONE_CANDIDATE.finditer(text):
        if _is_phone(match.group(0).strip()):
            seen.add(re.sub(r"\D", "", match.group(0)))
            yield match.group(0)
    for match in _NANP.finditer(text):
        digits = re.sub(r"\D", "", match.group(0))
        if digits not in seen:
            seen.add(digits)
            yield match.group(0)
    # The library reads only stretches that could be a number (seven or more digits among separators), each
    # with a little context: reading every cell whole with it would take most of validation's time budget.
    for stretch in _DIGIT_STRETCH.finditer(text):
        window = text[max(0, stretch.start() - 2) : stretch.end() + 1]
        for region in PHONE_REGIONS:
            for match in phonenumbers.PhoneNumberMatcher(window, region, leniency=phonenumbers.Leniency.VALID):
                digits = re.sub(r"\D", "", match.raw_string)
                if not any(digits in s or s in digits for s in seen):
                    seen.add(digits)
                    yield match.raw_string


# Every pattern above needs one of these: '@' or a word for it (e-mail, handle), '/' (profile link), '_'
# (id-shaped word), '#' or ':' (usernames), a digit (phone, date, postcode), a spelled digit, or a capital
# letter (name, postcode). A cell without any is skipped, which keeps validating a hundredfold evidence base
# within its time budget.
_MAYBE_IDENTIFYING = re.compile(r"[@/_+#:0-9A-Z\uff01-\uff5e]|(?i:\b(?:at|zero|oh)\b)")


def findings(text: str) -> Iterator[tuple[str, str]]:
    """(kind, masked value) for every identifying detail in a free-text ``text``."""
    if _MAYBE_IDENTIFYING.search(text):
        yield from _findings(text)


@functools.lru_cache(maxsize=65536)  # a pure function of the text; tables repeat many cells ('not reported')
def _findings(text: str) -> tuple[tuple[str, str], ...]:
    return tuple(_scan(canonical(text)))


def _scan(text: str) -> Iterator[tuple[str, str]]:
    for match in _EMAIL.finditer(text):
        yield "an e-mail address", f"{_mask(match.group(1))}@{match.group(2)}"
    for found in _phones(text):
        digits = re.sub(r"\D", "", found)
        yield "a phone number", f"{found[0]}***{digits[-2:]}"
    for match in _PROFILE_URL.finditer(text):
        host = next(g for g in match.groups() if g)
        yield "a link to a user profile", f"{host.lower()}/***"
    without_emails = _EMAIL.sub(" ", text)
    for match in _HANDLE.finditer(without_emails):
        yield "an @handle", "@" + _mask(match.group(1))
    for match in _USERNAME.finditer(without_emails):
        if not _PROFILE_URL.search(match.group(0)):
            yield "a username", _mask(match.group(0), 2)
    for match in _ID_SHAPED.finditer(text):
        word = f"{match.group(1)}_{match.group(2)}"
        if not PARTICIPANT_ID.match(word):
            yield "a participant id that is not a study pseudonym", f"{_mask(word)}_{match.group(2)}"
    for match in _BIRTH.finditer(text):
        yield "a date of birth", _mask(match.group(1), 0) + match.group(1)[-2:]
    postcodes = [m.group(0) for m in _UK_POSTCODE.finditer(text)]
    postcodes += [m.group(1) for m in _POSTCODE_WORD.finditer(text) if not _UK_POSTCODE.search(m.group(1))]
    for postcode in postcodes:
        yield "a postcode", _mask(postcode)
    for name in _names_near_conditions(text):
        yield NAME_NEAR_CONDITION, " ".join(_mask(part) for part in name.split())


def review_problem(note: str) -> str | None:
    """Why a ``privacy_reviewed`` cell is not a curator's review note, or None."""
    if REVIEW_NOTE.match(note.strip()):
        return None
    return "must read 'reviewed by <who> on <YYYY-MM-DD>: <why>' (a curator's record that a finding was checked)"


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
