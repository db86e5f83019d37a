"""Lay out a rendered letter as a PDF: sender, recipient, date, subject, body, signature, annex."""

from __future__ import annotations

import io

from fpdf import FPDF

from faceaudit.core.letters.annex import (
    FACE,
    IDENTIFIER,
    AnnexEntry,
    distance_text,
    identity_text,
    locator_text,
    matched_text,
    models_provenance,
    row_strings,
    scan_date_text,
    shown_fields,
)
from faceaudit.core.letters.compose import Letter
from faceaudit.core.letters.fonts import find_fonts

__all__ = ["letter_pdf_bytes"]

_LEFT, _RIGHT, _TOP = 25.0, 20.0, 18.0
_BODY_PT, _SMALL_PT, _LINE = 10.5, 8.5, 5.2


class _LetterPDF(FPDF):
    def __init__(self, letter: Letter):
        super().__init__(format="A4", unit="mm")
        self.letter = letter
        fonts = find_fonts()
        for style, path in fonts.serif.items():
            self.add_font("serif", style, str(path))
        self.add_font("mono", "", str(fonts.mono))
        fallback_names = []
        for number, path in enumerate(fonts.fallbacks):
            name = f"fallback{number}"
            try:
                self.add_font(name, "", str(path))
            except Exception:  # noqa: BLE001 - a font fpdf2 cannot read is simply not used
                continue
            fallback_names.append(name)
        self.set_fallback_fonts(fallback_names, exact_match=False)
        self.set_margins(_LEFT, _TOP, _RIGHT)
        self.set_auto_page_break(True, margin=22)
        self.set_title(letter.subject)
        self.set_author(letter.sender_name)
        self.set_creator("FaceAudit")
        self.set_lang(letter.lang)

    def header(self) -> None:
        if self.page_no() == 1:
            return
        # Later pages name the writer and the date, as a continuation sheet does.
        self.set_font("serif", "", _SMALL_PT)
        self.set_text_color(90, 90, 90)
        self.cell(0, 5, f"{self.letter.sender_name} · {self.letter.date_text}", align="R", new_x="LMARGIN",
                  new_y="NEXT")
        self.set_text_color(0, 0, 0)
        self.ln(3)

    def footer(self) -> None:
        self.set_y(-14)
        self.set_font("serif", "", _SMALL_PT)
        self.set_text_color(90, 90, 90)
        text = self.letter.strings["page"].format(page=self.page_no(), pages="{nb}")
        self.cell(0, 5, text, align="C")
        self.set_text_color(0, 0, 0)


def letter_pdf_bytes(letter: Letter) -> bytes:
    """The letter as PDF bytes (A4, fonts embedded and subset)."""
    pdf = _LetterPDF(letter)
    pdf.add_page()
    _letterhead(pdf, letter)
    _recipient(pdf, letter)
    _date_and_subject(pdf, letter)
    body, closing = _split_closing(letter.body)
    _body(pdf, body)
    _signature(pdf, letter, closing)
    if letter.annex:
        _annex(pdf, letter)
    return bytes(pdf.output())


def _letterhead(pdf: FPDF, letter: Letter) -> None:
    width = pdf.epw
    pdf.set_font("serif", "B", 12)
    pdf.multi_cell(width, 6, letter.sender_name, align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("serif", "", _SMALL_PT + 0.5)
    lines = list(letter.sender_lines) + ([letter.sender_email] if letter.sender_email else [])
    for line in lines:
        pdf.multi_cell(width, 4.2, line, align="R", new_x="LMARGIN", new_y="NEXT")
    y = pdf.get_y() + 2
    pdf.set_draw_color(120, 120, 120)
    pdf.set_line_width(0.3)
    pdf.line(_LEFT, y, pdf.w - _RIGHT, y)
    pdf.set_y(max(y + 8, 52))


def _recipient(pdf: FPDF, letter: Letter) -> None:
    pdf.set_font("serif", "", _BODY_PT)
    for line in letter.recipient_lines:
        pdf.multi_cell(95, _LINE, line, align="L", new_x="LMARGIN", new_y="NEXT")


def _date_and_subject(pdf: FPDF, letter: Letter) -> None:
    pdf.ln(10)
    pdf.set_font("serif", "", _BODY_PT)
    pdf.cell(0, _LINE, letter.date_text, align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font("serif", "B", _BODY_PT + 0.5)
    pdf.multi_cell(0, _LINE + 0.4, letter.subject, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)


def _body(pdf: FPDF, body: str) -> None:
    pdf.set_font("serif", "", _BODY_PT)
    for paragraph in body.strip("\n").split("\n\n"):
        lines = paragraph.split("\n")
        if not any(line.strip() for line in lines):
            continue
        for line in lines:
            if line.startswith("- "):
                _bullet(pdf, line[2:])
            else:
                pdf.multi_cell(0, _LINE, line, align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2.6)


def _bullet(pdf: FPDF, text: str) -> None:
    pdf.set_x(_LEFT + 3)
    pdf.cell(5, _LINE, "–")
    pdf.multi_cell(pdf.epw - 8, _LINE, text, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(0.8)


def _split_closing(body: str) -> tuple[str, str]:
    """The body without its closing formula ("Yours faithfully,"), which stays with the signature."""
    paragraphs = body.strip("\n").split("\n\n")
    last = paragraphs[-1].strip()
    if len(paragraphs) > 1 and "\n" not in last and len(last) <= 40:
        return "\n\n".join(paragraphs[:-1]), last
    return body, ""


def _signature(pdf: FPDF, letter: Letter, closing: str) -> None:
    # The closing, the space to sign and the name stay together on one page.
    if pdf.will_page_break(34):
        pdf.add_page()
    if closing:
        pdf.set_font("serif", "", _BODY_PT)
        pdf.cell(0, _LINE, closing, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(14)
    y = pdf.get_y()
    pdf.set_draw_color(0, 0, 0)
    pdf.set_line_width(0.2)
    pdf.line(_LEFT, y, _LEFT + 70, y)
    pdf.ln(1.5)
    pdf.set_font("serif", "", _BODY_PT)
    pdf.cell(0, _LINE, letter.sender_name, new_x="LMARGIN", new_y="NEXT")
    if letter.annex:
        pdf.ln(8)
        pdf.set_font("serif", "I", _SMALL_PT + 0.5)
        pdf.multi_cell(0, _LINE, letter.enclosure_text, new_x="LMARGIN", new_y="NEXT")


def _annex(pdf: FPDF, letter: Letter) -> None:
    strings = letter.strings
    faces = [e for e in letter.annex if e.kind == FACE]
    rows = [e for e in letter.annex if e.kind == IDENTIFIER]
    if faces:
        _annex_heading(pdf, strings["annex_title"], strings["annex_intro"], new_page=True)
        for number, entry in enumerate(faces, 1):
            _annex_entry(pdf, number, entry, strings, letter.dataset_title)
        _annex_heading(pdf, strings["annex_models"], "\n\n".join(models_provenance(faces)),
                       new_page=pdf.will_page_break(60))
    if rows:
        words = row_strings(letter.lang)
        _annex_heading(pdf, words["title"], words["intro"], new_page=not faces or pdf.will_page_break(60))
        for offset, entry in enumerate(rows, 1):
            _annex_row(pdf, len(faces) + offset, entry, words, strings, letter.dataset_title)


def _annex_heading(pdf: FPDF, title: str, intro: str, new_page: bool) -> None:
    if new_page:
        pdf.add_page()
    else:
        pdf.ln(6)
    pdf.set_font("serif", "B", 12)
    pdf.multi_cell(0, 7, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("serif", "", _SMALL_PT + 0.5)
    pdf.multi_cell(0, 4.4, intro, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)


def _annex_row(pdf: FPDF, number: int, entry: AnnexEntry, words: dict, strings: dict, title: str) -> None:
    """A row of a list of links: where it is, what of mine it names, its address and its other fields."""
    labels = words["labels"]
    fields = shown_fields(entry)
    if pdf.will_page_break(30 + 4.2 * len(fields)):
        pdf.add_page()
    _entry_heading(pdf, number, entry, title, pdf.epw)
    rows = [(labels["where"], locator_text(entry, words), False),
            (labels["matched"], matched_text(entry, words), False)]
    if entry.url:
        rows.append((labels["url"], entry.url, True))
    rows += [(labels["fields"] if n == 0 else "", f"{name}: {value}", False) for n, (name, value) in enumerate(fields)]
    rows.append((labels["scan"], scan_date_text(entry, strings), False))
    _labelled(pdf, rows, pdf.epw)
    pdf.ln(3)


def _entry_heading(pdf: FPDF, number: int, entry: AnnexEntry, title: str, width: float) -> None:
    """An annex entry's rule and heading: its number, the dataset's published name and the copy."""
    pdf.set_draw_color(170, 170, 170)
    pdf.set_line_width(0.2)
    pdf.line(_LEFT, pdf.get_y(), pdf.w - _RIGHT, pdf.get_y())
    pdf.ln(1.5)
    pdf.set_font("serif", "B", _BODY_PT - 0.5)
    # The dataset's published name, never the person's own name for their copy.
    pdf.multi_cell(width, 5, f"{number}.  {title} ({entry.version})", new_x="LMARGIN", new_y="NEXT")


def _labelled(pdf: FPDF, rows: list[tuple[str, str, bool]], width: float) -> None:
    """Label and value lines (a value in the monospaced font where marked), labels as wide as the longest."""
    pdf.set_font("serif", "", _SMALL_PT)
    # As wide as the language's longest label needs ("Name im Datensatz" ran into its value at 30 mm).
    label_width = max(30.0, max(pdf.get_string_width(label) for label, _, _ in rows) + 3)
    for label, value, mono in rows:
        pdf.set_x(_LEFT + 6)
        pdf.set_font("serif", "", _SMALL_PT)
        pdf.cell(label_width, 4.2, label)
        pdf.set_font("mono" if mono else "serif", "", _SMALL_PT - (0.6 if mono else 0))
        pdf.multi_cell(width - 6 - label_width, 4.2, value, new_x="LMARGIN", new_y="NEXT")


def _annex_entry(pdf: FPDF, number: int, entry: AnnexEntry, strings: dict, title: str) -> None:
    labels = strings["annex_labels"]
    has_image = entry.crop is not None or entry.reference is not None
    if pdf.will_page_break(46 if has_image else 34):
        pdf.add_page()
    top = pdf.get_y()
    text_width = pdf.epw - (38 if has_image else 0)
    _entry_heading(pdf, number, entry, title, text_width)
    pdf.set_font("mono", "", _SMALL_PT)
    pdf.set_x(_LEFT + 6)
    pdf.multi_cell(text_width - 6, 4.2, entry.key, new_x="LMARGIN", new_y="NEXT")
    rows = [(labels["sha256"], entry.sha256, True), (labels["box"], entry.box_text, False),
            (labels["model"], entry.model, False),
            (labels["distance"], distance_text(entry, labels, strings.get("decimal_separator", ".")), False),
            (labels["scan"], scan_date_text(entry, strings), False)]
    if entry.label:
        rows.insert(1, (labels["label"], entry.label, False))
    if entry.identity:
        rows.insert(2 if entry.label else 1,
                    (labels["identity"], identity_text(entry, labels, strings.get("decimal_separator", ".")), False))
    _labelled(pdf, rows, text_width)
    bottom = pdf.get_y()
    if has_image:
        bottom = max(bottom, _annex_images(pdf, entry, top + 2, strings))
    pdf.set_y(bottom + 3)


def _annex_images(pdf: FPDF, entry: AnnexEntry, top: float, strings: dict) -> float:
    x = pdf.w - _RIGHT - 34
    y = top
    for data, caption in ((entry.crop, strings["annex_crop"]), (entry.reference, strings["annex_reference"])):
        if data is None:
            continue
        pdf.image(io.BytesIO(data), x=x, y=y, w=16 if entry.crop and entry.reference else 30)
        pdf.set_xy(x, y + (16 if entry.crop and entry.reference else 30) + 0.5)
        pdf.set_font("serif", "I", 6.5)
        pdf.multi_cell(34, 3, caption, new_x="LMARGIN", new_y="NEXT")
        if entry.crop and entry.reference:
            x += 17
    return pdf.get_y()
