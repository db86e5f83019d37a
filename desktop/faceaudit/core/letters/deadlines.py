"""Statutory answer periods, counted as the law counts them: from receipt, to a working day.

GDPR and UK GDPR: one month from receipt (Art. 12(3)); a month ends on the same date of the next
month, or on its last day when there is no such date, and an end on a Saturday, Sunday or public
holiday moves to the next working day (Regulation 1182/71, Art. 3(2)(c) and 3(4); the ICO's
guidance says the same for the UK). The holidays are those of the sender's country and region,
from the `holidays` library. CCPA: 45 calendar days after receipt, once extendable by 45
(Cal. Civ. Code § 1798.130(a)(2)), and receipt confirmed within 10 business days
(Cal. Code Regs. tit. 11, § 7021(a)).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

__all__ = ["Period", "PERIODS", "LAWS", "DELIVERY_DAYS", "add_months", "received_on", "deadline",
           "acknowledgment_due", "next_working_day", "is_working_day", "is_overdue", "REMINDER_DAYS"]

#: Days given in a reminder before the next step (a complaint).
REMINDER_DAYS = 14

#: Days a letter takes to reach its recipient, by channel. E-mail and web forms arrive the day
#: they are sent; a posted letter is counted as arriving on the fourth day after posting, the rule
#: German law has used for domestic post since 2025 (§ 41(2) VwVfG). Record the real day of
#: arrival when you know it (a tracked letter): it replaces the allowance.
DELIVERY_DAYS = {"email": 0, "web-form": 0, "post": 4, "other": 0}


@dataclass(frozen=True)
class Period:
    """An answer period: `months` or `days` after receipt, and the extension the law allows.

    Attributes:
        months: calendar months (GDPR Art. 12(3): one month).
        days: days (CCPA: 45 days).
        extension_months: months the controller may add when it tells the person in time.
        extension_days: days the business may add (CCPA: 45).
        working_day_end: an end on a weekend or public holiday moves to the next working day.
        acknowledge_business_days: business days within which receipt must be confirmed (0: none).
        citation: where the period is written down.
    """

    months: int = 0
    days: int = 0
    extension_months: int = 0
    extension_days: int = 0
    working_day_end: bool = False
    acknowledge_business_days: int = 0
    citation: str = ""


#: The period of each law FaceAudit writes letters under.
PERIODS: dict[str, Period] = {
    "gdpr": Period(months=1, extension_months=2, working_day_end=True, citation="Art. 12(3) GDPR"),
    "uk-gdpr": Period(months=1, extension_months=2, working_day_end=True, citation="Art. 12(3) UK GDPR"),
    "ccpa": Period(days=45, extension_days=45, acknowledge_business_days=10,
                   citation="Cal. Civ. Code § 1798.130(a)(2); Cal. Code Regs. tit. 11, § 7021"),
    # The FTC takes complaints; it owes the complainant no answer within a period.
    "ftc": Period(),
    # BIPA sets retention and destruction duties, not a period to answer a letter.
    "bipa": Period(),
    "tdpsa": Period(days=45, extension_days=45, citation="Tex. Bus. & Com. Code § 541.052(b)"),
}
LAWS = tuple(PERIODS)


def add_months(start: date, months: int) -> date:
    """The same day `months` later; the month's last day when that day does not exist.

    31 January + 1 month is 28 February (29 in a leap year): Art. 3(2)(c) of Regulation 1182/71.
    """
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def received_on(sent: date, channel: str = "email") -> date:
    """The day a letter sent on `sent` by `channel` is counted as received."""
    return sent + timedelta(days=DELIVERY_DAYS.get(channel, 0))


@lru_cache(maxsize=64)
def _holidays(country: str, region: str, year: int):
    if not country:
        return {}
    import holidays  # 0.17 s of imports: loaded when a deadline is first counted, not when the window opens

    from faceaudit.core.letters.identity import holiday_region

    region = holiday_region(region)  # GB-LND keeps England's holidays
    subdivision = region.split("-", 1)[1] if region.upper().startswith(country.upper() + "-") else None
    try:
        return holidays.country_holidays(country.upper(), subdiv=subdivision, years=year)
    except (NotImplementedError, KeyError):  # a country or region the library does not know
        try:
            return holidays.country_holidays(country.upper(), years=year)
        except (NotImplementedError, KeyError):
            return {}


def is_working_day(day: date, country: str = "", region: str = "") -> bool:
    """True for Monday to Friday that is not a public holiday of the country (and region)."""
    return day.weekday() < 5 and day not in _holidays(country, region, day.year)


def next_working_day(day: date, country: str = "", region: str = "") -> date:
    """`day` itself when it is a working day, else the first working day after it."""
    while not is_working_day(day, country, region):
        day += timedelta(days=1)
    return day


def deadline(law: str, received: date, extended: bool = False, *, country: str = "", region: str = "") -> date | None:
    """The last day to answer a request received on `received` (None when the law sets no period).

    Args:
        law: one of LAWS.
        received: the day the request reached the recipient (see `received_on`).
        extended: the recipient has claimed the extension the law allows.
        country, region: the sender's ISO 3166 codes, whose public holidays count (GDPR).

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
    due = add_months(received, months) + timedelta(days=days)
    return next_working_day(due, country, region) if period.working_day_end else due


def acknowledgment_due(law: str, received: date) -> date | None:
    """The last day to confirm receipt (CCPA: 10 business days, California's holidays), or None."""
    period = PERIODS.get(law)
    if period is None or not period.acknowledge_business_days:
        return None
    day, left = received, period.acknowledge_business_days
    while left:
        day += timedelta(days=1)
        if is_working_day(day, "US", "US-CA"):
            left -= 1
    return day


def is_overdue(due: date | None, today: date) -> bool:
    """True once the whole last day of the period has passed."""
    return due is not None and today > due
