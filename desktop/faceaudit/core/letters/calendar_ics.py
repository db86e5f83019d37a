"""Request deadlines as an iCalendar file (RFC 5545), written by hand: no network, no library."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

from faceaudit.core.letters.requests import RequestRecord, awaiting_answer
from faceaudit.core.storage.private_files import write_private

__all__ = ["deadlines_ics", "write_deadlines_ics"]



def deadlines_ics(requests: list[RequestRecord], stamp: datetime | None = None) -> str:
    """An iCalendar document with one all-day event per open request's deadline.

    Returns:
        The text with CRLF line ends and lines folded at 75 octets, as RFC 5545 requires.
    """
    stamp = (stamp or datetime.now(UTC)).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//FaceAudit//Request deadlines//EN", "CALSCALE:GREGORIAN",
             "METHOD:PUBLISH", "X-WR-CALNAME:FaceAudit deadlines"]
    for record in requests:
        if record.deadline is None or not awaiting_answer(record):
            continue
        about = f" ({record.dataset_name})" if record.dataset_name else ""
        summary = f"Deadline: {record.type} request to {record.recipient or 'recipient'}{about}"
        description = (
            f"Request #{record.id} ({record.law}), sent {record.sent_date}, status {record.status}."
            f" If there is no adequate answer, draft the follow-up letter in FaceAudit (request #{record.id})."
        )
        lines += [
            "BEGIN:VEVENT",
            # One UID per request: an extension moves the same event instead of adding a second one.
            f"UID:faceaudit-request-{record.id}@faceaudit.invalid",
            f"DTSTAMP:{stamp}",
            f"DTSTART;VALUE=DATE:{record.deadline:%Y%m%d}",
            f"DTEND;VALUE=DATE:{record.deadline + timedelta(days=1):%Y%m%d}",
            f"SUMMARY:{_escape(summary)}",
            f"DESCRIPTION:{_escape(description)}",
            "TRANSP:TRANSPARENT",
            "BEGIN:VALARM", "ACTION:DISPLAY", f"DESCRIPTION:{_escape(summary)}", "TRIGGER:-P1D", "END:VALARM",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "".join(_fold(line) + "\r\n" for line in lines)


def write_deadlines_ics(requests: list[RequestRecord], path: str | os.PathLike) -> Path:
    """Write the deadlines calendar to `path` and return it."""
    # Private to its owner, like the letters: it names whom you wrote to and when.
    return write_private(path, deadlines_ics(requests))


def _escape(text: str) -> str:
    text = text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return text.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n")


def _fold(line: str) -> str:
    """Split a content line into chunks of at most 75 octets, never inside a UTF-8 character."""
    out, current, size = [], "", 0
    limit = 75
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            out.append(current)
            current, size, limit = "", 0, 74  # continuation lines start with one space
        current += char
        size += width
    out.append(current)
    return "\r\n ".join(out)
