"""Statutory answer periods: when a data-protection request must be answered, by law."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

__all__ = ["Period", "PERIODS", "LAWS", "add_months", "deadline", "is_overdue", "REMINDER_DAYS"]

#: Days given in a reminder before the next step (a complaint).
REMINDER_DAYS = 14


@dataclass(frozen=True)
class Period:
    """An answer period: `months` or `days` after receipt, and the extension the law allows.

    Attributes:
        months: calendar months (GDPR Art. 12(3): one month).
        days: days (CCPA: 45 days).
        extension_months: months the controller may add when it tells the person in time.
        extension_days: days the business may add (CCPA: 45).
        citation: where the period is written down.
    """

    months: int = 0
    days: int = 0
    extension_months: int = 0
    extension_days: int = 0
    citation: str = ""


#: The period of each law FaceAudit writes letters under.
PERIODS: dict[str, Period] = {
    "gdpr": Period(months=1, extension_months=2, citation="Art. 12(3) GDPR"),
    "uk-gdpr": Period(months=1, extension_months=2, citation="Art. 12(3) UK GDPR"),
    "ccpa": Period(days=45, extension_days=45, citation="Cal. Civ. Code § 1798.130(a)(2)"),
    # The FTC takes complaints; it owes the complainant no answer within a period.
    "ftc": Period(),
}
LAWS = tuple(PERIODS)


def add_months(start: date, months: int) -> date:
    """The same day `months` later; the month's last day when that day does not exist.

    31 January + 1 month is 28 February (29 in a leap year), the reading of Art. 3(2)(c)
    of Regulation 1182/71 that data-protection authorities apply.
    """
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def deadline(law: str, sent: date, extended: bool = False) -> date | None:
    """The last day to answer a request sent on `sent` (None when the law sets no period).

    Args:
        law: one of LAWS.
        sent: the day the request was sent (counted as the day it arrived: e-mail).
        extended: the recipient has claimed the extension the law allows.

    Raises:
        ValueError: an unknown law.
    """
    try:
        period = PERIODS[law]
    except KeyError:
        raise ValueError(f"unknown law {law!r}; choose one of {', '.join(LAWS)}") from None
    if not (period.months or period.days):
        return None
    months = period.months + (period.extension_months if extended else 0)
    days = period.days + (period.extension_days if extended else 0)
    return add_months(sent, months) + timedelta(days=days)


def is_overdue(due: date | None, today: date) -> bool:
    """True once the whole last day of the period has passed."""
    return due is not None and today > due
