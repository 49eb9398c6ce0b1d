"""Timestamps as S3 writes and reads them: RFC 1123 headers, ISO 8601 in XML.

Pure functions over floats and strings; they never read the clock and never
raise on client input (an unparseable date is None, the caller ignores it).
"""

from __future__ import annotations

import calendar
import datetime
import math
import re
import time
from email.utils import parsedate_tz
from functools import lru_cache

_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_AMZ_DATE = re.compile(r"\d{8}T\d{6}Z")
_MONTH_NUMBER = {name.lower(): i + 1 for i, name in enumerate(_MONTHS)}


def epoch_millis(ts: float) -> int:
    """Whole milliseconds since the epoch, floored.

    The small bias absorbs binary float error (1.123 * 1000 == 1122.999...),
    so a timestamp written as x.123 renders as .123 and never as .122. Every
    function here derives seconds from this one value so the Last-Modified
    header, the listing's LastModified and conditional checks always agree.
    """
    return math.floor(ts * 1000.0 + 1e-3)


def epoch_seconds(ts: float) -> int:
    """Whole seconds since the epoch, floored (HTTP dates carry no fraction)."""
    return epoch_millis(ts) // 1000


@lru_cache(maxsize=4096)
def _http_date_of_second(second: int) -> str:
    t = datetime.datetime.fromtimestamp(second, datetime.UTC)
    return (
        f"{_WEEKDAYS[t.weekday()]}, {t.day:02d} {_MONTHS[t.month - 1]} {t.year:04d} "
        f"{t.hour:02d}:{t.minute:02d}:{t.second:02d} GMT"
    )


def http_date(ts: float) -> str:
    """RFC 1123 date, e.g. "Wed, 25 Nov 2026 15:57:27 GMT" (seconds floored).

    Called for every GET/HEAD (Last-Modified) and every response (Date), so the
    formatted string is cached per whole second.
    """
    return _http_date_of_second(epoch_seconds(ts))


@lru_cache(maxsize=1024)
def _iso_day(day: int) -> str:
    t = datetime.datetime.fromtimestamp(day * 86400, datetime.UTC)
    return f"{t.year:04d}-{t.month:02d}-{t.day:02d}T"


@lru_cache(maxsize=16384)
def _iso_second(second: int) -> str:
    day, rest = divmod(second, 86400)
    hour, rest = divmod(rest, 3600)
    minute, sec = divmod(rest, 60)
    return f"{_iso_day(day)}{hour:02d}:{minute:02d}:{sec:02d}."


def iso8601_ms(ts: float) -> str:
    """ISO 8601 UTC with milliseconds, e.g. "2026-11-25T15:57:27.123Z" (as S3 listings).

    A listing renders one per entry: the date is cached per day, the whole
    "date T time." per second (repeated listings of the same objects hit it).
    """
    second, millis = divmod(epoch_millis(ts), 1000)
    return f"{_iso_second(second)}{millis:03d}Z"


def iso8601_seconds(ts: float) -> str:
    """ISO 8601 UTC to the second, e.g. "2026-11-25T15:57:27Z" (the times in S3's
    authentication errors: ServerTime, Expires)."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


def signed_date_seconds(value: str) -> float | None:
    """Seconds since the epoch for a Date (or SigV2 x-amz-date) header as the signature
    verifiers read it: email.utils' lenient RFC 2822 parser, any zone offset applied, None
    when unparseable. Laxer than parse_http_date on purpose: it is what SigV2 and SigV4
    have always accepted, and the signature covers the value as sent anyway."""
    parsed = parsedate_tz(value)
    if parsed is None:
        return None
    try:
        return float(calendar.timegm(parsed[:9]) - (parsed[9] or 0))
    except (OverflowError, ValueError):
        return None


@lru_cache(maxsize=1024)
def parse_amz_date(value: str) -> float | None:
    """Seconds since the epoch for `YYYYMMDDTHHMMSSZ`, or None when malformed.

    Parsed by slicing, not time.strptime (which cost ~20% of a verification), and cached:
    every request signed in the same second carries the same string. Accepts exactly what
    strptime("%Y%m%dT%H%M%SZ") did, leap seconds 60 and 61 included.
    """
    if not _AMZ_DATE.fullmatch(value):
        return None
    year, month, day = int(value[0:4]), int(value[4:6]), int(value[6:8])
    hour, minute, second = int(value[9:11]), int(value[11:13]), int(value[13:15])
    if hour > 23 or minute > 59 or second > 61:
        return None
    try:
        datetime.date(year, month, day)  # month 1-12, day within the month, year >= 1
    except ValueError:
        return None
    return float(calendar.timegm((year, month, day, hour, minute, second)))


# RFC 7231 section 7.1.1.1: a recipient must accept all three formats.
# IMF-fixdate / RFC 1123: "Sun, 06 Nov 1994 08:49:37 GMT" (we also accept a
# one-digit day and "UTC" / "+0000", which some clients send).
_RFC1123 = re.compile(
    r"^[A-Za-z]{3},\s+(\d{1,2})\s+([A-Za-z]{3})\s+(\d{4})\s+"
    r"(\d{2}):(\d{2}):(\d{2})\s+(?:GMT|UTC|\+0000)$",
    re.ASCII,
)
# RFC 850: "Sunday, 06-Nov-94 08:49:37 GMT"
_RFC850 = re.compile(
    r"^[A-Za-z]{6,9},\s+(\d{2})-([A-Za-z]{3})-(\d{2})\s+(\d{2}):(\d{2}):(\d{2})\s+GMT$",
    re.ASCII,
)
# asctime: "Sun Nov  6 08:49:37 1994"
_ASCTIME = re.compile(
    r"^[A-Za-z]{3}\s+([A-Za-z]{3})\s+(\d{1,2})\s+(\d{2}):(\d{2}):(\d{2})\s+(\d{4})$",
    re.ASCII,
)


def _to_epoch(year: int, month_name: str, day: int, hh: int, mm: int, ss: int) -> float | None:
    month = _MONTH_NUMBER.get(month_name.lower())
    if month is None:
        return None
    try:
        # datetime validates the calendar (no 31 Feb, no hour 25).
        moment = datetime.datetime(year, month, day, hh, mm, min(ss, 59))
    except ValueError:
        return None
    return float(calendar.timegm(moment.timetuple()))


def parse_http_date(value: str) -> float | None:
    """Seconds since the epoch for an HTTP date in any of the three RFC 7231
    formats, or None when the value is not a valid date."""
    text = value.strip()
    m = _RFC1123.match(text)
    if m:
        day, mon, year, hh, mi, ss = m.groups()
        return _to_epoch(int(year), mon, int(day), int(hh), int(mi), int(ss))
    m = _RFC850.match(text)
    if m:
        day, mon, yy, hh, mi, ss = m.groups()
        # Two-digit years: RFC 7231 says "within 50 years"; a fixed pivot
        # keeps this pure (no clock) and is right for every date since 1970.
        year = 2000 + int(yy) if int(yy) < 70 else 1900 + int(yy)
        return _to_epoch(year, mon, int(day), int(hh), int(mi), int(ss))
    m = _ASCTIME.match(text)
    if m:
        mon, day, hh, mi, ss, year = m.groups()
        return _to_epoch(int(year), mon, int(day), int(hh), int(mi), int(ss))
    return None
