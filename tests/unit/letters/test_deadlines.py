"""Deadline arithmetic as the law counts it: from receipt, month ends, working days, holidays, CCPA days."""

from datetime import date

import pytest

from faceaudit.core.letters.deadlines import (
    acknowledgment_due,
    add_months,
    deadline,
    is_overdue,
    next_working_day,
    received_on,
)


@pytest.mark.parametrize("received, due", [
    (date(2028, 1, 31), date(2028, 2, 29)),   # leap year, a Tuesday
    (date(2026, 3, 31), date(2026, 4, 30)),   # clamped to the month's end, a Thursday
    (date(2026, 12, 31), date(2027, 1, 31)),  # year end; a Sunday, so the next working day
    (date(2026, 5, 15), date(2026, 6, 15)),   # a Monday
])
def test_gdpr_one_month_clamped_to_month_end(received, due):
    expected = next_working_day(due)
    assert deadline("gdpr", received) == expected
    assert deadline("uk-gdpr", received) == expected


def test_acceptance_email_on_saturday_31_january_2026_is_due_monday_2_march():
    """28 February 2026 is a Saturday: the period ends on the next working day."""
    received = received_on(date(2026, 1, 31), "email")
    assert received == date(2026, 1, 31)
    assert add_months(received, 1) == date(2026, 2, 28)
    assert deadline("gdpr", received, country="DE", region="DE-BE") == date(2026, 3, 2)
    assert deadline("gdpr", received) == date(2026, 3, 2)  # weekends move even without a country


def test_german_holiday_moves_the_end():
    """3 October 2025 (German Unity Day) is a Friday: the answer is due on Monday 6 October."""
    assert deadline("gdpr", date(2025, 9, 3), country="DE", region="DE-BE") == date(2025, 10, 6)
    assert deadline("gdpr", date(2025, 9, 3)) == date(2025, 10, 3)  # no country: only weekends count


def test_a_regional_holiday_counts_only_in_its_region():
    """8 March 2027 is a Monday and International Women's Day, a holiday in Berlin but not in Bavaria."""
    assert deadline("gdpr", date(2027, 2, 8), country="DE", region="DE-BE") == date(2027, 3, 9)
    assert deadline("gdpr", date(2027, 2, 8), country="DE", region="DE-BY") == date(2027, 3, 8)


def test_french_holiday_moves_the_end():
    """14 July 2026 (Fête nationale) is a Tuesday: due Wednesday 15 July in France, not in Germany."""
    assert deadline("gdpr", date(2026, 6, 14), country="FR") == date(2026, 7, 15)
    assert deadline("gdpr", date(2026, 6, 14), country="DE", region="DE-BE") == date(2026, 7, 14)


def test_uk_substitute_bank_holiday():
    """26 December 2026 is a Saturday; England's substitute Boxing Day is Monday 28 December."""
    assert deadline("uk-gdpr", date(2026, 11, 26), country="GB", region="GB-ENG") == date(2026, 12, 29)


def test_posted_letters_arrive_four_days_later():
    assert received_on(date(2026, 3, 2), "post") == date(2026, 3, 6)
    assert received_on(date(2026, 3, 2), "web-form") == date(2026, 3, 2)
    # posted on Thursday 1 January 2026, received Monday 5 January, due Thursday 5 February
    assert deadline("gdpr", received_on(date(2026, 1, 1), "post"), country="DE") == date(2026, 2, 5)


def test_gdpr_extension_adds_two_months():
    assert deadline("gdpr", date(2027, 11, 30), extended=True) == date(2028, 2, 29)
    assert deadline("gdpr", date(2026, 1, 31), extended=True) == date(2026, 4, 30)


def test_ccpa_45_calendar_days_and_extension_are_not_moved():
    assert deadline("ccpa", date(2028, 1, 31)) == date(2028, 3, 16)  # Feb 2028 has 29 days
    assert deadline("ccpa", date(2027, 1, 31)) == date(2027, 3, 17)
    assert deadline("ccpa", date(2026, 1, 1), extended=True) == date(2026, 4, 1)
    assert deadline("ccpa", date(2026, 1, 31)) == date(2026, 3, 17)


def test_ccpa_acknowledgment_within_ten_business_days():
    """Counting starts the day after receipt and skips weekends and California's public holidays."""
    # Monday 6 .. Friday 10 July (5), Monday 13 .. Friday 17 July (10)
    assert acknowledgment_due("ccpa", date(2026, 7, 3)) == date(2026, 7, 17)
    # Received Friday 13 November 2026: Thanksgiving (26th) and the day after (27th) are California holidays
    assert acknowledgment_due("ccpa", date(2026, 11, 13)) == date(2026, 12, 1)
    assert acknowledgment_due("gdpr", date(2026, 11, 13)) is None


def test_laws_without_a_period_and_unknown_law():
    assert deadline("ftc", date(2026, 1, 1)) is None
    assert deadline("bipa", date(2026, 1, 1)) is None
    with pytest.raises(ValueError):
        deadline("hipaa", date(2026, 1, 1))


def test_add_months_and_overdue():
    assert add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)
    assert add_months(date(2026, 8, 31), -6) == date(2026, 2, 28)
    assert not is_overdue(date(2026, 2, 28), date(2026, 2, 28))
    assert is_overdue(date(2026, 2, 28), date(2026, 3, 1))
