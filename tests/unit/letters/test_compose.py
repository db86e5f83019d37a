"""Letters read back from their PDFs: legal basis, deadline, recipient, the annex of confirmed matches only."""

from __future__ import annotations

import email
import shutil
import subprocess
from datetime import date
from email import policy

import pytest
from pypdf import PdfReader

from faceaudit.core.letters.compose import (
    LETTER_TYPES,
    LetterError,
    Original,
    Recipient,
    format_date,
    letter_strings,
    render_letter,
)
from faceaudit.core.letters.identity import Identity, save_identity
from faceaudit.core.letters.registry import find_entry
from faceaudit.core.letters.types import Subject
from tests.support.letter_fixtures import (
    CONFIRMED,
    UNCONFIRMED,
    add_dataset,
    store_with_matches,
    write_follow_up,
    write_letter,
)

ON = date(2028, 1, 31)
ORIGINAL = Original("erasure", date(2027, 12, 31), date(2028, 1, 31), "#7")
#: Articles (or sections) each type must cite; formatted with the law's own citation pattern.
LEGAL_BASIS = {
    "erasure": ["17", "9(2)", "19", "12(3)", "17(2)", "18(1)(d)"],
    "access": ["15", "15(1)(g)", "15(1)(c)"],
    "objection": ["21(1)", "19"],
    "reminder": ["12(3)", "77"],
    "dpa-complaint": ["77", "12(3)"],
    "ccpa-delete": ["1798.105", "1798.105(c)(1)", "1798.130(a)(2)"],
    "ccpa-know": ["1798.110", "1798.115"],
    "cppa-complaint": ["1798.130(a)(2)"],
    "ftc-complaint": [],
}
_GERMAN = {"12(3)": "12 Abs. 3", "15(1)(g)": "15 Abs. 1 lit. g", "15(1)(c)": "15 Abs. 1 lit. c", "21(1)": "21 Abs. 1",
           "9(2)": "9 Abs. 2", "17(2)": "17 Abs. 2", "18(1)(d)": "18 Abs. 1 lit. d"}
#: Who writes under which law: a Berlin resident (GDPR), an English one (UK GDPR), a Californian (CCPA).
RESIDENCE = {"gdpr": ("DE", "DE-BE"), "uk-gdpr": ("GB", "GB-ENG"), "ccpa": ("US", "US-CA"), "ftc": ("US", "US-NY"),
             "bipa": ("US", "US-IL"), "tdpsa": ("US", "US-TX")}
#: The dataset each law's letters are about: LFW (a university) for the GDPR, FFHQ (a company) for US laws.
DATASET = {"gdpr": "lfw-copy", "uk-gdpr": "lfw-copy", "ccpa": "ffhq-copy", "ftc": "ffhq-copy",
           "bipa": "msceleb-copy", "tdpsa": "ffhq-copy"}  # BIPA: a company's dataset for recognition
CASES = [(kind, lang, law) for kind, spec in LETTER_TYPES.items() for law in spec.laws for lang in ("en", "de")
         if spec.subject is not Subject.ORGANISATION]


def pdf_text(path) -> str:
    return " ".join(" ".join(page.extract_text() for page in PdfReader(path).pages).replace("\xa0", " ").split())


def _citation(lang: str, law: str, number: str) -> str:
    article = letter_strings(lang)["laws"][law]["article"]
    return article.format(n=_GERMAN.get(number, number) if lang == "de" else number)


@pytest.fixture
def store():
    store = store_with_matches()
    add_dataset(store, "ffhq-copy", "/nonexistent/ffhq", [(k, s, "me") for k, s in CONFIRMED], registry_id="ffhq")
    add_dataset(store, "msceleb-copy", "/nonexistent/msceleb", [(k, s, "me") for k, s in CONFIRMED],
                registry_id="ms-celeb-1m")
    save_identity(store, name="Jane Doe", address="Hauptstraße 1\n10115 Berlin", email="jane@example.org",
                  country="DE", region="DE-BE")
    return store


@pytest.mark.parametrize("kind, lang, law", CASES)
def test_letter_pdf_has_every_required_part(store, tmp_path, kind, lang, law):
    country, region = RESIDENCE[law]
    save_identity(store, country=country, region=region)
    follow = kind in ("reminder", "dpa-complaint", "cppa-complaint", "ftc-complaint")
    files = write_letter(store, kind, DATASET[law], lang, tmp_path / "letter.pdf", law=law, on=ON,
                         original=ORIGINAL if follow else None, ground="no-answer" if follow else "", channel="email")
    text = pdf_text(files.pdf)
    strings = letter_strings(lang)
    numbers = (["1798.130(a)(2)"] if law == "ccpa" and kind == "reminder"
               else ["15(a)", "15(b)", "15(c)", "15(d)", "20"] if law == "bipa"
               else ["541.052(b)", "541.151"] if law == "tdpsa" else LEGAL_BASIS[kind])
    for number in numbers:
        assert _citation(lang, law, number) in text, (kind, lang, law, number)
    if kind == "ftc-complaint":
        assert "15 U.S.C. § 45" in text
    if kind not in ("dpa-complaint", "cppa-complaint", "ftc-complaint") and law != "bipa":  # BIPA sets no period
        assert files.letter.deadline is not None and format_date(files.letter.deadline, strings) in text
    expected_recipient = {("dpa-complaint", "gdpr"): "Berliner Beauftragte für Datenschutz und Informationsfreiheit",
                          ("dpa-complaint", "uk-gdpr"): "Information Commissioner's Office",
                          ("cppa-complaint", "ccpa"): "California Privacy Protection Agency",
                          ("ftc-complaint", "ftc"): "Federal Trade Commission"}.get(
        (kind, law), {"ffhq-copy": "NVIDIA Corporation", "msceleb-copy": "Microsoft"}.get(
            DATASET[law], "University of Massachusetts Amherst"))
    assert expected_recipient in text
    for key, sha in CONFIRMED:
        assert key in text and sha in text
    for key, sha, _decision in UNCONFIRMED:
        assert key not in text and sha not in text
    assert strings["page"].format(page=1, pages=len(PdfReader(files.pdf).pages)) in text
    assert "Jane Doe" in text and strings["date_format"].format(day=31, month=strings["months"][0], year=2028) in text
    assert "lfw-copy" not in text and "ffhq-copy" not in text and "msceleb-copy" not in text  # names for copies


def test_complaints_go_to_the_authority_of_residence(store, tmp_path):
    """Berlin -> the Berlin authority with its postal address; France -> the CNIL; England -> the ICO."""
    request = {"original": ORIGINAL, "ground": "no-answer", "on": ON}
    for country, region, law, name, postal in (
            ("DE", "DE-BE", "gdpr", "Berliner Beauftragte für Datenschutz und Informationsfreiheit",
             "Alt-Moabit 59-61"),
            ("FR", "", "gdpr", "Commission Nationale de l'Informatique et des Libertés", "3 Place de Fontenoy"),
            ("GB", "GB-ENG", "uk-gdpr", "Information Commissioner's Office", "Wycliffe House")):
        save_identity(store, country=country, region=region)
        files = write_letter(store, "dpa-complaint", "lfw-copy", "en", tmp_path / f"{country}.pdf", law=law, **request)
        lines = files.letter.recipient_lines
        assert lines[0].startswith(name) and any(postal in line for line in lines), lines
        assert "habitual residence" in files.letter.body
        assert "[data-protection authority" not in " ".join(lines)
    save_identity(store, country="DE", region="DE-BY")
    bavaria = write_letter(store, "dpa-complaint", "lfw-copy", "de", tmp_path / "by.pdf", **request)
    assert bavaria.letter.recipient_lines[0] == "Bayerisches Landesamt für Datenschutzaufsicht"


def test_deadline_dates_in_letters_follow_the_calendar(store, tmp_path):
    en = write_letter(store, "erasure", "lfw-copy", "en", tmp_path / "en.pdf", on=date(2028, 1, 31), channel="email")
    de = write_letter(store, "access", "lfw-copy", "de", tmp_path / "de.pdf", on=date(2026, 1, 31), channel="email")
    post = write_letter(store, "access", "lfw-copy", "en", tmp_path / "post.pdf", on=date(2026, 1, 31), channel="post")
    save_identity(store, country="US", region="US-CA")
    ccpa = write_letter(store, "ccpa-delete", "ffhq-copy", "en", tmp_path / "ccpa.pdf", on=date(2028, 1, 31),
                        channel="email")
    assert "by 29 February 2028" in pdf_text(en.pdf)
    # sent by e-mail on Saturday 31 January 2026: one month ends on Saturday 28 February, so Monday 2 March
    assert "bis zum 2. März 2026" not in pdf_text(de.pdf) and "ist das der 2. März 2026" in pdf_text(de.pdf)
    # posted: counted from Wednesday 4 February 2026, so due Wednesday 4 March 2026
    assert "Counted from 4 February 2026" in pdf_text(post.pdf) and "by 4 March 2026" in pdf_text(post.pdf)
    text = pdf_text(ccpa.pdf)
    assert "by 16 March 2028" in text and "10 business days, that is by 14 February 2028" in text


HOSTILE = "{{ 7*7 }} {% if true %}X{% endif %} <b>Jane</b> &amp; Иванова Ελένη 李小龙 مرحبا"


def _font_covers(char: str) -> bool:
    from fontTools.ttLib import TTFont

    from faceaudit.core.letters.fonts import find_fonts

    fonts = find_fonts()
    for path in (fonts.serif[""], *fonts.fallbacks):
        try:
            font = TTFont(str(path), fontNumber=0, lazy=True)
        except Exception:  # noqa: BLE001 - a font file fontTools cannot read is skipped
            continue
        if ord(char) in font.getBestCmap():
            return True
    return False


def test_user_input_renders_literally_in_pdf_text_and_eml(store, tmp_path):
    save_identity(store, name=HOSTILE, address="{% for x in range(3) %}loop{% endfor %}\n<script>alert(1)</script>")
    from faceaudit.core.letters.registry import edit_entry

    edit_entry("lfw", {"custodian": "Lab {{ config }} <i>Ы</i>"})
    files = write_letter(store, "erasure", "lfw-copy", "en", tmp_path / "l.pdf", text_path=tmp_path / "l.txt",
                        eml_path=tmp_path / "l.eml", details=HOSTILE + "\n{{ self.__init__ }}")
    plain = (tmp_path / "l.txt").read_text(encoding="utf-8")
    message = email.message_from_bytes((tmp_path / "l.eml").read_bytes(), policy=policy.default)
    body = message.get_body(("plain",)).get_content()
    pdf = pdf_text(files.pdf)
    literal = ["{{ 7*7 }}", "{% if true %}X{% endif %}", "<b>Jane</b>", "&amp;", "Иванова", "Ελένη",
               "{% for x in range(3) %}loop{% endfor %}", "<script>alert(1)</script>", "{{ self.__init__ }}",
               "Lab {{ config }} <i>Ы</i>"]
    for text in (plain, body):
        for piece in literal + ["李小龙", "مرحبا"]:
            assert piece in text, piece
        assert "49" not in text.replace("2049", "")
    for piece in literal:
        assert piece in pdf, piece
    # Arabic is stored in logical order; joined forms need a shaping engine (uharfbuzz), not installed.
    assert "مرحبا" in pdf or "ابحرم" in pdf
    if _font_covers("李"):
        assert "李小龙" in pdf
    assert message["X-Unsent"] == "1" and HOSTILE.split(" ")[0] in str(message["From"])
    attachment = next(message.iter_attachments())
    assert attachment.get_content_type() == "application/pdf" and attachment.get_content()[:4] == b"%PDF"


def test_header_injection_is_impossible(store, tmp_path):
    save_identity(store, name="Jane\nBcc: victim@example.org", email="jane@example.org")
    write_letter(store, "erasure", "lfw-copy", "en", tmp_path / "l.pdf", eml_path=tmp_path / "l.eml")
    message = email.message_from_bytes((tmp_path / "l.eml").read_bytes(), policy=policy.default)
    assert message["Bcc"] is None


def test_missing_contact_asks_the_user_and_unknown_choices_fail(store, tmp_path):
    letter = render_letter("erasure", "de", find_entry("celeba"), Identity(country="DE"))
    assert "[Datenschutzkontakt" not in letter.recipient_lines[0]
    assert any("bitte ergänzen" in line for line in letter.recipient_lines)
    assert letter.sender_name == "[Ihr Name]"
    with pytest.raises(LetterError):
        render_letter("erasure", "xx", find_entry("lfw"), letter_identity())
    with pytest.raises(LetterError):
        render_letter("ccpa-delete", "en", find_entry("lfw"), letter_identity(), law="gdpr")
    with pytest.raises(LetterError, match="organisation"):
        render_letter("platform-access", "en", find_entry("lfw"), letter_identity())
    with pytest.raises(LetterError, match="about a dataset"):
        render_letter("erasure", "en", find_entry("okcupid"), letter_identity())


def letter_identity():
    return Identity("Jane Doe", "Street 1", "jane@example.org", "DE", "DE-BE")


def test_annex_crops_only_on_opt_in(store, tmp_path):
    from faceaudit.core.letters.annex import confirmed_matches

    entries = confirmed_matches(store, "lfw-copy")
    assert [e.key for e in entries] == [k for k, _ in CONFIRMED]
    assert all(e.crop is None and e.reference is None for e in entries)
    assert all(e.box_text == "x 30-150, y 40-160" for e in entries)


@pytest.mark.parametrize("lang, band", [("en", "(strong)"), ("de", "(stark)")])
def test_annex_values_start_after_the_longest_label(store, tmp_path, lang, band):
    """Each annex value sits to the right of its label, in every language (a long German label once ran into it)."""
    files = write_letter(store, "erasure", "lfw-copy", lang, tmp_path / "e.pdf", on=ON)
    labels = letter_strings(lang)["annex_labels"]
    runs = []
    page = PdfReader(files.pdf).pages[-1]
    page.extract_text(visitor_text=lambda text, cm, tm, font, size: runs.append((text.strip(), tm[4] * cm[0] + cm[4])))
    label_x = {text: x for text, x in runs if text == labels["label"]}
    value_x = [x for text, x in runs if text == "Jane_Doe"]
    assert label_x and value_x
    from fpdf import FPDF

    from faceaudit.core.letters.fonts import find_fonts

    ruler = FPDF(unit="pt")  # the label's printed width, in the PDF's own unit
    ruler.add_font("serif", "", str(find_fonts().serif[""]))
    ruler.set_font("serif", "", 8.5)
    label_end = next(iter(label_x.values())) + ruler.get_string_width(labels["label"])
    assert min(value_x) - label_end >= 5  # points: a visible gap, not touching
    assert band in " ".join(text for text, _ in runs)


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm (poppler-utils) not installed")
def test_every_letter_type_renders_to_png(store, tmp_path):
    for kind, spec in LETTER_TYPES.items():
        law = spec.laws[0]
        country, region = RESIDENCE.get(law, ("US", "US-IL"))
        save_identity(store, country=country, region=region)
        # A letter to a platform states my account there, which only the sender can give (--account).
        subject = {"subject": None, "organisation": "clarifai" if kind == "developer-erasure" else "okcupid",
                   "account": "" if kind == "developer-erasure" else "okc-42"} \
            if spec.subject is Subject.ORGANISATION else {}
        files = write_letter(store, kind, "" if subject else DATASET.get(law, "ffhq-copy"), "en",
                             tmp_path / f"{kind}.pdf", on=ON, original=ORIGINAL, law=law,
                             **{k: v for k, v in subject.items() if k != "subject"})
        subprocess.run(["pdftoppm", "-r", "40", "-png", "-f", "1", "-l", "1", str(files.pdf), str(tmp_path / kind)],
                       check=True)
        assert list(tmp_path.glob(f"{kind}-*1.png"))


PAYLOAD = "{{ 7*7 }} {% if 1 %}IF{% endif %} {# c #} {{ self }}"
#: Every field a person (or a registry correction) can fill, and whether letters print it.
USER_FIELDS = [
    ("identity.name", True), ("identity.address", True), ("identity.email", True),
    ("recipient.name", True), ("recipient.lines", True), ("recipient.email", True), ("recipient.web_form", True),
    ("registry.name", True), ("registry.custodian", True), ("registry.aliases", True), ("registry.homepage", True),
    ("registry.image_source", False), ("registry.notes", False), ("registry.contact.email", True),
    ("registry.contact.postal", True), ("registry.contact.name", False), ("details", True),
    ("dataset.name", False), ("request.notes", False), ("request.recipient", False),
]


@pytest.mark.parametrize("field, printed", USER_FIELDS)
def test_template_syntax_in_every_user_field_is_never_evaluated(store, tmp_path, field, printed):
    from faceaudit.core.letters.registry import edit_entry
    from faceaudit.core.letters.requests import add_request, update_request
    from tests.support.letter_fixtures import add_dataset

    value = f"{PAYLOAD}@example.org" if field.endswith("email") else PAYLOAD
    kind, dataset, recipient, details, original = "erasure", "lfw-copy", None, "", None
    group, _, name = field.partition(".")
    if group == "identity":
        save_identity(store, **{name: value})
    elif group == "recipient":
        kind, original = ("ftc-complaint", ORIGINAL) if name == "web_form" else ("erasure", None)
        if kind == "ftc-complaint":  # the FTC takes reports from people in the US
            save_identity(store, country="US", region="US-NY")
        dataset = "ffhq-copy" if kind == "ftc-complaint" else dataset
        parts = {"name": "Lab", "lines": () if name == "name" else ("Lab", "1 Road"), "email": "", "web_form": ""}
        parts[name] = (value, "1 Road") if name == "lines" else value
        recipient = Recipient(**parts)
    elif group == "registry":
        edit_entry("lfw", {name: value})
        if name in ("homepage", "image_source"):  # printed in the complaints only
            kind, original = "dpa-complaint", ORIGINAL
    elif field == "details":
        details = value
    elif field == "dataset.name":
        add_dataset(store, value, "/nonexistent", [(f"people/{value}/x.jpg", "ab" * 32, "me")], registry_id="lfw")
        dataset = value
    if group == "request":
        record = add_request(store, "erasure", "gdpr", value if name == "recipient" else "Lab", notes=value,
                             dataset_name="lfw-copy", registry_id="lfw", sent=date(2027, 11, 1))
        update_request(store, record.id, status="overdue", note=value)
        files = write_follow_up(store, record.id, tmp_path / "l.pdf", today=ON, text_path=tmp_path / "l.txt",
                                eml_path=tmp_path / "l.eml")
    else:
        files = write_letter(store, kind, dataset, "en", tmp_path / "l.pdf", on=ON, recipient=recipient,
                            original=original, details=details, text_path=tmp_path / "l.txt",
                            eml_path=tmp_path / "l.eml")
    plain = (tmp_path / "l.txt").read_text(encoding="utf-8")
    body = email.message_from_bytes((tmp_path / "l.eml").read_bytes(), policy=policy.default).get_body(
        ("plain",)).get_content()
    for text in (plain, body, pdf_text(files.pdf)):
        assert "49" not in text and "IF " not in text.replace(PAYLOAD, "")  # nothing was evaluated
        assert "<faceaudit" not in text and "TemplateReference" not in text  # `self` was not looked up
    if printed:
        assert PAYLOAD in plain or PAYLOAD in body, f"{field} should be printed, literally"


def test_a_bipa_letter_asks_for_an_answer_on_a_working_day():
    """BIPA sets no period; the letter's own date (30 days after receipt) moves off New Year's Day and the weekend."""
    illinois = Identity("Jane Doe", "1 Main St\nChicago, IL", "jane@example.org", "US", "US-IL")
    letter = render_letter("developer-erasure", "en", find_entry("clarifai"), illinois, law="bipa",
                           on=date(2026, 12, 2), channel="email")
    assert "Please answer by 4 January 2027. I have set this date myself" in letter.body
    assert letter.deadline is None
