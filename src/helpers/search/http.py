"""Polite HTTP for the scholarly APIs: one place that says who is asking, how often and how long it waits.

Every request names the project and its contact in ``User-Agent`` (the contact also goes in each API's own
``mailto``/``email`` parameter, by the clients), waits at least ``min_interval`` seconds after the previous one
(at most a few requests per second), and times out (``timeout``: connect, read). A 429 or a 5xx answer is retried
up to ``retries`` times, after the ``Retry-After`` the server asked for (seconds or an HTTP date) or else an
exponential backoff (1, 2, 4, ... seconds); a wait longer than ``max_wait`` is not waited for: the search fails and
says so. Anything else that goes wrong is a :class:`FetchError` naming the address, which the search reports as
"this source failed, nothing was changed".

The clients are plain ``requests`` calls rather than pyalex or habanero: pyalex sends its requests without a timeout
and keeps its settings in one process-wide object, habanero does not retry a 429; one session for the three APIs
gives the same timeout, pacing and retry rule to each, and a base address a test can point at a local server.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable
from datetime import UTC, datetime

import requests

PROJECT = "living-evidence-report (surveillance search; python -m helpers surveil)"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class FetchError(Exception):
    """A request failed for good (network, timeout, an error status after the retries, a body that is not JSON)."""


def user_agent(contact: str | None) -> str:
    return f"{PROJECT}; mailto:{contact}" if contact else PROJECT


def retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date), or None when absent/unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    current = datetime.now(UTC).timestamp() if now is None else now
    return max(0.0, when.timestamp() - current)


class Polite:
    """A ``requests`` session that paces, times out and retries as the module says."""

    def __init__(
        self,
        contact: str | None = None,
        *,
        min_interval: float = 0.34,
        timeout: tuple[float, float] = (10.0, 60.0),
        retries: int = 5,
        max_wait: float = 300.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.session = requests.Session()
        self.session.headers["User-Agent"] = user_agent(contact)
        self.session.headers["Accept"] = "application/json"
        self.min_interval, self.timeout, self.retries, self.max_wait = min_interval, timeout, retries, max_wait
        self.sleep, self.clock = sleep, clock
        self._last: float | None = None
        self.requests_sent = 0
        self.waits: list[float] = []  # every wait for a retry, in seconds (what a test checks)

    def _pace(self) -> None:
        if self._last is not None:
            gap = self.min_interval - (self.clock() - self._last)
            if gap > 0:
                self.sleep(gap)
        self._last = self.clock()

    def get_json(self, url: str, params: dict[str, str]) -> object:
        """The decoded JSON body of ``GET url?params``, after the retries the module describes."""
        for attempt in range(self.retries + 1):
            self._pace()
            self.requests_sent += 1
            try:
                response = self.session.get(url, params=params, timeout=self.timeout)
            except requests.RequestException as exc:
                raise FetchError(f"{url}: {type(exc).__name__}: {exc}") from None
            if response.status_code in RETRY_STATUSES and attempt < self.retries:
                wait = retry_after(response.headers.get("Retry-After"))
                wait = float(2**attempt) if wait is None else wait
                if wait > self.max_wait:
                    raise FetchError(
                        f"{url}: HTTP {response.status_code}, asked to wait {wait:.0f} s (more than {self.max_wait:.0f} s)"
                    )
                self.waits.append(wait)
                self.sleep(wait)
                continue
            if response.status_code != 200:
                raise FetchError(f"{url}: HTTP {response.status_code} after {attempt + 1} request(s)")
            try:
                return response.json()
            except ValueError:
                raise FetchError(f"{url}: the answer is not JSON ({response.headers.get('Content-Type', 'no type')})") from None
        raise AssertionError("unreachable")  # the loop returns or raises
