"""The requests tracker: every letter sent, its statutory deadline, its status and the replies."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from faceaudit.core.errors import Action, FaceAuditError
from faceaudit.core.letters.deadlines import REMINDER_DAYS, deadline, is_overdue, next_working_day, received_on
from faceaudit.core.letters.types import COMPLAINT_KINDS, LETTER_TYPES, Ground, Law, LetterKind
from faceaudit.core.storage.store import Store, now

__all__ = ["next_reference", "RequestRecord", "Reply", "RequestError", "Status", "Channel", "REPLY_STATUSES",
           "FOLLOW_UP_STATUSES", "AWAITING_STATUSES", "FollowUp", "may_follow_up", "awaiting_answer", "add_request",
           "update_request", "get_request", "list_requests", "refresh_overdue", "add_reply", "replies",
           "follow_up", "request_deadline", "REFUSAL_GROUNDS", "ANSWER_GROUNDS"]


class Status(StrEnum):
    """Where a request stands."""

    DRAFT = "draft"
    SENT = "sent"
    ANSWERED = "answered"
    COMPLIED = "complied"
    REFUSED = "refused"
    OVERDUE = "overdue"


class Channel(StrEnum):
    """How a letter was sent."""

    EMAIL = "email"
    POST = "post"
    WEB_FORM = "web-form"
    OTHER = "other"


#: Statuses a reply can set.
REPLY_STATUSES = (Status.ANSWERED, Status.COMPLIED, Status.REFUSED)
#: Statuses from which a follow-up letter (reminder or complaint) may be drafted.
FOLLOW_UP_STATUSES = (Status.OVERDUE, Status.ANSWERED, Status.REFUSED)
#: Statuses of a request that was sent and is waiting for an answer.
AWAITING_STATUSES = (Status.SENT, Status.OVERDUE)
#: What a refusal can have said (recorded with the reply; the follow-up answers it).
REFUSAL_GROUNDS = (Ground.REFUSED, Ground.REFUSED_RESEARCH, Ground.REFUSED_PUBLIC, Ground.REFUSED_IDENTIFY)
#: What an inadequate answer can have been.
ANSWER_GROUNDS = (Ground.PARTIAL, Ground.EXCESSIVE_ID)


class RequestError(FaceAuditError, ValueError):
    """A request that does not exist or a change the tracker cannot make."""


@dataclass(frozen=True)
class RequestRecord:
    """One letter and what became of it.

    Attributes:
        deadline: the last day for an answer (None for drafts and complaints), counted from receipt.
        received_date: the day the recipient got the letter, when recorded; else sent date plus
            the channel's delivery allowance counts.
        parent_id: the request a reminder or complaint follows up.
        sender_country, sender_region: the writer's residence when the letter was written (whose
            public holidays move the deadline).
        organisation: the registry id of the platform or developer written to.
        match_ids: the matches the letter cited, as `AnnexEntry.ref` gives them ("12" a face match,
            "L12" a row of a list of links); None: not recorded.
        reference: the reference the letter printed ("FA-12"); "" for letters that printed none.
    """

    id: int
    type: str
    law: str
    lang: str
    recipient: str
    recipient_email: str
    channel: str
    dataset_name: str | None
    registry_id: str | None
    parent_id: int | None
    sent_date: date | None
    deadline: date | None
    extended: bool
    status: str
    notes: str
    letter_path: str | None
    created: str
    received_date: date | None = None
    sender_country: str = ""
    sender_region: str = ""
    organisation: str | None = None
    account: str = ""
    evidence: str = ""
    match_ids: list[str] | None = None
    reference: str = ""

    @property
    def overdue(self) -> bool:
        """True when the tracker has flagged it: sent, unanswered, deadline passed."""
        return self.status == "overdue"


@dataclass(frozen=True)
class Reply:
    """An answer received to a request."""

    id: int
    request_id: int
    received: date
    summary: str
    path: str | None
    ground: str = ""


@dataclass(frozen=True)
class FollowUp:
    """The next letter for a request: a reminder first, then a complaint, and the ground it states."""

    kind: str
    law: str
    request: RequestRecord
    ground: str = Ground.NO_ANSWER


def request_deadline(kind: str, law: str, sent: date | None, extended: bool = False, *, channel: str = "email",
                     received: date | None = None, country: str = "", region: str = "") -> date | None:
    """The deadline a request of this type gets when sent on `sent` by `channel`.

    Counted from `received` when the real day of arrival is known, else from the sent date plus the
    channel's delivery allowance; ends moved off weekends and the writer's public holidays where
    the law moves them.
    """
    if sent is None:
        return None
    arrival = received or received_on(sent, channel)
    if kind == LetterKind.REMINDER:
        return next_working_day(arrival + timedelta(days=REMINDER_DAYS), country, region)
    if not LETTER_TYPES[kind].answer_due:
        return None
    return deadline(law, arrival, extended, country=country, region=region)


def add_request(store: Store, kind: str, law: str, recipient: str, *, recipient_email: str = "",
                channel: str = "email", lang: str = "en", dataset_name: str | None = None,
                registry_id: str | None = None, sent: date | None = None, notes: str = "",
                letter_path: str | None = None, parent_id: int | None = None, organisation: str | None = None,
                account: str = "", evidence: str = "", match_ids: list[str] | None = None,
                sender_country: str = "", sender_region: str = "", reference: str = "") -> RequestRecord:
    """Record a letter as a request: a draft, or sent when `sent` is given.

    Raises:
        RequestError: unknown type, law or channel.
    """
    if kind not in LETTER_TYPES:
        raise RequestError(f"unknown request type {kind!r}; choose one of {', '.join(LETTER_TYPES)}")
    if law not in LETTER_TYPES[kind].laws:
        raise RequestError(f"a {kind} request is made under {' or '.join(LETTER_TYPES[kind].laws)}, not {law!r}")
    _check_choice("channel", channel, Channel)
    stamp = now()
    with store.transaction():
        cursor = store.conn.execute(
            "INSERT INTO requests (type, law, lang, recipient, recipient_email, channel, dataset_name, registry_id,"
            " parent_id, sent_date, deadline, status, notes, letter_path, created, updated, sender_country,"
            " sender_region, organisation, account, evidence, match_ids, reference)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [kind, law, lang, recipient, recipient_email, channel, dataset_name, registry_id, parent_id,
             _iso(sent), _iso(request_deadline(kind, law, sent, channel=channel, country=sender_country,
                                               region=sender_region)),
             "sent" if sent else "draft", notes, letter_path, stamp, stamp, sender_country, sender_region,
             organisation, account, evidence, None if match_ids is None else json.dumps(sorted(map(str, match_ids))),
             reference])
    return get_request(store, cursor.lastrowid)


def next_reference(store: Store) -> str:
    """The reference the next tracked letter prints ("FA-13"): unique among this person's requests."""
    last = store.scalar("SELECT MAX(id) FROM requests") or 0
    return f"FA-{last + 1}"


def update_request(store: Store, request_id: int, *, status: str | None = None, sent: date | None = None,
                   extended: bool | None = None, note: str | None = None, recipient: str | None = None,
                   recipient_email: str | None = None, channel: str | None = None,
                   received: date | None = None) -> RequestRecord:
    """Change a request; the deadline follows the sent date, the channel, the day of receipt and the extension.

    Args:
        channel: how the letter was sent ("sent by"); a posted letter is counted as arriving later.
        received: the day the recipient got the letter, when known (it replaces the allowance).
        note: appended to the notes with today's date (notes are never overwritten).

    Raises:
        RequestError: unknown request, status or channel, or a receipt before the sent date.
    """
    record = get_request(store, request_id)
    if sent is not None and sent > date.today():
        raise RequestError(f"the sent date {sent.isoformat()} is in the future: record it on the day you send the "
                           "letter", subject=request_id)
    if status is not None:
        _check_choice("status", status, Status)
    if channel is not None:
        _check_choice("channel", channel, Channel)
    sent_date = sent or record.sent_date
    received_date = received or record.received_date
    if received_date and sent_date and received_date < sent_date:
        raise RequestError(f"a letter cannot arrive ({received_date}) before it was sent ({sent_date})")
    is_extended = record.extended if extended is None else extended
    used_channel = channel or record.channel
    due = request_deadline(record.type, record.law, sent_date, is_extended, channel=used_channel,
                           received=received_date, country=record.sender_country, region=record.sender_region)
    new_status = status or ("sent" if sent and record.status == "draft" else record.status)
    notes = record.notes
    if note:
        notes = (notes + "\n" if notes else "") + f"{date.today().isoformat()}: {note.strip()}"
    with store.transaction():
        store.conn.execute(
            "UPDATE requests SET status = ?, sent_date = ?, deadline = ?, extended = ?, notes = ?, recipient = ?,"
            " recipient_email = ?, channel = ?, received_date = ?, updated = ? WHERE id = ?",
            [new_status, _iso(sent_date), _iso(due), int(is_extended), notes,
             recipient if recipient is not None else record.recipient,
             recipient_email if recipient_email is not None else record.recipient_email,
             used_channel, _iso(received_date), now(), request_id])
    return get_request(store, request_id)


def get_request(store: Store, request_id: int) -> RequestRecord:
    """One request by id.

    Raises:
        RequestError: no such request.
    """
    rows = store.query("SELECT * FROM requests WHERE id = ?", [request_id])
    if not rows:
        raise RequestError(f"no request with id {request_id}", action=Action.CHOOSE_REQUEST)
    return _record(rows[0])


def list_requests(store: Store, today: date | None = None) -> list[RequestRecord]:
    """Every request, newest first, with overdue ones flagged as of `today`."""
    refresh_overdue(store, today or date.today())
    return [_record(row) for row in store.query("SELECT * FROM requests ORDER BY id DESC")]


def refresh_overdue(store: Store, today: date) -> list[int]:
    """Mark sent requests whose deadline has passed as overdue; returns their ids."""
    due = [row for row in store.query("SELECT id, deadline FROM requests WHERE status = 'sent'"
                                      " AND deadline IS NOT NULL")
           if is_overdue(date.fromisoformat(row["deadline"]), today)]
    if due:
        with store.transaction():
            for row in due:
                store.conn.execute("UPDATE requests SET status = 'overdue', updated = ? WHERE id = ?",
                                   [now(), row["id"]])
    return [row["id"] for row in due]


def add_reply(store: Store, request_id: int, received: date, summary: str, path: str | None = None,
              status: str = "answered", ground: str = "") -> Reply:
    """Attach an answer to a request and set its status (answered, complied or refused).

    Args:
        ground: what the answer said, when it needs a follow-up: for a refusal one of
            REFUSAL_GROUNDS (default "refused"), for an answer one of ANSWER_GROUNDS.

    Raises:
        RequestError: unknown request, status, or a ground that does not fit the status.
    """
    get_request(store, request_id)
    _check_choice("status", status, REPLY_STATUSES)
    if status == Status.REFUSED:
        ground = ground or Ground.REFUSED
        _check_choice("refusal ground", ground, REFUSAL_GROUNDS)
    elif ground:
        _check_choice("answer ground", ground, ANSWER_GROUNDS if status == Status.ANSWERED else ())
    with store.transaction():
        store.conn.execute(
            "INSERT INTO request_replies (request_id, received, summary, path, added, ground)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            [request_id, received.isoformat(), summary, path, now(), ground])
        store.conn.execute("UPDATE requests SET status = ?, updated = ? WHERE id = ?", [status, now(), request_id])
    return replies(store, request_id)[-1]


def replies(store: Store, request_id: int) -> list[Reply]:
    """The answers received to a request, oldest first."""
    rows = store.query("SELECT * FROM request_replies WHERE request_id = ? ORDER BY received, id", [request_id])
    return [Reply(r["id"], r["request_id"], date.fromisoformat(r["received"]), r["summary"], r["path"],
                  r["ground"] or "") for r in rows]


def follow_up(store: Store, request_id: int, today: date | None = None) -> FollowUp:
    """What to write next about a request, and why: a reminder, or a complaint once a reminder went unanswered.

    The ground is what happened: no answer (overdue), the refusal's ground, or the inadequate
    answer's ground, as recorded with the latest reply. GDPR and UK GDPR requests end in a
    complaint to the data-protection authority; CCPA requests in a complaint to the California
    Privacy Protection Agency.

    Raises:
        RequestError: the request is not overdue, refused or inadequately answered, or is itself a
            complaint, or its law has no complaint FaceAudit can write.
    """
    refresh_overdue(store, today or date.today())
    record = get_request(store, request_id)
    if record.type in COMPLAINT_KINDS:
        raise RequestError(f"request {request_id} is already a complaint")
    if not may_follow_up(record):
        raise RequestError(f"request {request_id} is {record.status}: a follow-up is for an overdue, refused or "
                           "inadequately answered request")
    original = get_request(store, record.parent_id) if record.type == "reminder" and record.parent_id else record
    ground = _ground(store, record, original)
    reminded = record.type == "reminder" or store.scalar(
        "SELECT COUNT(*) FROM requests WHERE parent_id = ? AND type = 'reminder' AND status != 'draft'", [record.id])
    waiting = record.status in (Status.OVERDUE, Status.ANSWERED, Status.REFUSED)
    if not reminded and waiting and original.law in (Law.GDPR, Law.UK_GDPR, Law.CCPA):
        return FollowUp(LetterKind.REMINDER, original.law, original, ground)
    if original.law == Law.CCPA:
        return FollowUp(LetterKind.CPPA_COMPLAINT, Law.CCPA, original, ground)
    if original.law in (Law.GDPR, Law.UK_GDPR):
        return FollowUp(LetterKind.DPA_COMPLAINT, original.law, original, ground)
    raise RequestError(f"request {request_id} was made under {original.law}: FaceAudit writes no complaint under it")


def _ground(store: Store, record: RequestRecord, original: RequestRecord) -> str:
    """The ground a follow-up states: the latest reply's, or no answer."""
    for request in (record, original):
        if request.status in (Status.REFUSED, Status.ANSWERED):
            latest = replies(store, request.id)
            if latest and latest[-1].ground:
                return latest[-1].ground
            return Ground.REFUSED if request.status == Status.REFUSED else Ground.PARTIAL
    return Ground.NO_ANSWER


def awaiting_answer(record: RequestRecord) -> bool:
    """True when the request was sent and its answer is still due (or overdue)."""
    return record.status in AWAITING_STATUSES


def may_follow_up(record: RequestRecord) -> bool:
    """True when a reminder or complaint may be drafted about this request (the one rule for both front ends)."""
    return record.status in FOLLOW_UP_STATUSES and record.type not in COMPLAINT_KINDS


def _check_choice(what: str, value: str, choices) -> None:
    if value not in list(choices):
        raise RequestError(f"{what} must be one of {', '.join(choices)} (not {value!r})")


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _record(row: dict) -> RequestRecord:
    def day(value):
        return date.fromisoformat(value) if value else None

    return RequestRecord(
        id=row["id"], type=row["type"], law=row["law"], lang=row["lang"], recipient=row["recipient"],
        recipient_email=row["recipient_email"], channel=row["channel"], dataset_name=row["dataset_name"],
        registry_id=row["registry_id"], parent_id=row["parent_id"], sent_date=day(row["sent_date"]),
        deadline=day(row["deadline"]), extended=bool(row["extended"]), status=row["status"], notes=row["notes"],
        letter_path=row["letter_path"], created=row["created"], received_date=day(row["received_date"]),
        sender_country=row["sender_country"], sender_region=row["sender_region"], organisation=row["organisation"],
        account=row["account"], evidence=row["evidence"], reference=row.get("reference") or "",
        # Recorded before rows could be cited, ids were numbers: face matches (their refs are the numbers).
        match_ids=[str(ref) for ref in json.loads(row["match_ids"])] if row["match_ids"] else None)
