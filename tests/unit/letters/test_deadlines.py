"""Deadline arithmetic: month ends, leap years, extensions, CCPA days."""

from datetime import date

import pytest

from faceaudit.core.letters.deadlines import add_months, deadline, is_overdue


@pytest.mark.parametrize("sent, due", [
    (date(2026, 1, 31), date(2026, 2, 28)),
    (date(2028, 1, 31), date(2028, 2, 29)),   # leap year
    (date(2028, 1, 29), date(2028, 2, 29)),
    (date(2027, 1, 30), date(2027, 2, 28)),
    (date(2026, 3, 31), date(2026, 4, 30)),
    (date(2026, 12, 31), date(2027, 1, 31)),  # year end
    (date(2026, 5, 15), date(2026, 6, 15)),
])
def test_gdpr_deadline_one_month_clamped_to_month_end(sent, due):
    assert deadline("gdpr", sent) == due
    assert deadline("uk-gdpr", sent) == due


def test_gdpr_extension_adds_two_months():
    assert deadline("gdpr", date(2027, 11, 30), extended=True) == date(2028, 2, 29)
    assert deadline("gdpr", date(2026, 1, 31), extended=True) == date(2026, 4, 30)


def test_ccpa_45_days_and_extension():
    assert deadline("ccpa", date(2028, 1, 31)) == date(2028, 3, 16)  # Feb 2028 has 29 days
    assert deadline("ccpa", date(2027, 1, 31)) == date(2027, 3, 17)
    assert deadline("ccpa", date(2026, 1, 1), extended=True) == date(2026, 4, 1)


def test_ftc_has_no_deadline_and_unknown_law_fails():
    assert deadline("ftc", date(2026, 1, 1)) is None
    with pytest.raises(ValueError):
        deadline("hipaa", date(2026, 1, 1))


def test_add_months_and_overdue():
    assert add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)
    assert add_months(date(2026, 8, 31), -6) == date(2026, 2, 28)
    assert not is_overdue(date(2026, 2, 28), date(2026, 2, 28))
    assert is_overdue(date(2026, 2, 28), date(2026, 3, 1))
