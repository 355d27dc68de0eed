"""Update cadences ("monthly on day 1", "weekly on monday", "daily", or 5-field cron) and their due slots."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from atlas.errors import Issue, RejectedInput

_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_MONTHLY = re.compile(r"^monthly on day (\d{1,2})(?: at (\d{1,2}):(\d{2}))?$")
_WEEKLY = re.compile(r"^weekly on (\w+)(?: at (\d{1,2}):(\d{2}))?$")
_DAILY = re.compile(r"^daily(?: at (\d{1,2}):(\d{2}))?$")
_RANGES = ((0, 59), (0, 23), (1, 31), (1, 12), (0, 6))


@dataclass(frozen=True)
class Cadence:
    """Sets of minutes, hours, days of month, months and weekdays (0 = Monday) when a release is due."""

    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]

    def matches_day(self, d: date) -> bool:
        return d.day in self.days and d.month in self.months and d.weekday() in self.weekdays


def _bad(text: str, why: str) -> RejectedInput:
    return RejectedInput(f"cadence {text!r} is not understood: {why}", issues=[Issue(
        "cadence", why, value=text, hint="'monthly on day 1', 'weekly on monday at 06:00', 'daily', or cron "
                                         "'0 6 1 * *'")])


def _field(part: str, lo: int, hi: int, text: str) -> frozenset[int]:
    out: set[int] = set()
    for item in part.split(","):
        body, _, step_s = item.partition("/")
        step = int(step_s) if step_s else 1
        if body == "*":
            a, b = lo, hi
        elif "-" in body:
            a, b = (int(x) for x in body.split("-", 1))
        else:
            a = b = int(body)
        if not (lo <= a <= b <= hi) or step < 1:
            raise _bad(text, f"{item!r} is outside {lo}-{hi}")
        out.update(range(a, b + 1, step))
    return frozenset(out)


def parse_cadence(text: str) -> Cadence:
    """Parse a cadence; in cron, a day of month and a weekday must both match (stricter than Vixie cron)."""
    t = text.strip().lower()
    every = {"months": frozenset(range(1, 13)), "weekdays": frozenset(range(7)), "days": frozenset(range(1, 32))}
    if m := _MONTHLY.match(t):
        day = int(m[1])
        if not 1 <= day <= 28:
            raise _bad(text, "monthly day must be 1-28 so that every month has it")
        return Cadence(frozenset({int(m[3] or 0)}), frozenset({int(m[2] or 0)}), frozenset({day}),
                       every["months"], every["weekdays"])
    if m := _WEEKLY.match(t):
        if m[1] not in _DAYS:
            raise _bad(text, f"unknown weekday {m[1]!r}")
        return Cadence(frozenset({int(m[3] or 0)}), frozenset({int(m[2] or 0)}), every["days"], every["months"],
                       frozenset({_DAYS.index(m[1])}))
    if m := _DAILY.match(t):
        return Cadence(frozenset({int(m[2] or 0)}), frozenset({int(m[1] or 0)}), every["days"], every["months"],
                       every["weekdays"])
    parts = t.split()
    if len(parts) != 5:
        raise _bad(text, "expected a phrase or 5 cron fields")
    try:
        mi, h, dom, mon, dow = (_field(p, lo, hi, text) for p, (lo, hi) in zip(parts, _RANGES, strict=True))
    except ValueError:
        raise _bad(text, "cron fields are numbers, ranges a-b, lists a,b, steps */n or *") from None
    cron_dow = frozenset((d - 1) % 7 for d in dow)  # cron: 0 = Sunday
    return Cadence(mi, h, dom, mon, cron_dow)


def slots(cadence: Cadence, after: datetime, until: datetime) -> Iterator[datetime]:
    """Every due instant in (after, until], in order (UTC)."""
    day = after.astimezone(UTC).date()
    end = until.astimezone(UTC)
    while day <= end.date():
        if cadence.matches_day(day):
            for h in sorted(cadence.hours):
                for mi in sorted(cadence.minutes):
                    at = datetime.combine(day, time(h, mi), UTC)
                    if after < at <= end:
                        yield at
        day += timedelta(days=1)
