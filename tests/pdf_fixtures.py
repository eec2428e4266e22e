"""PDF test fixtures, generated with fpdf2 (never stored): text, image-only, encrypted, corrupt.

All text is a clearly marked test fixture about a fictional "Example Health Plan".
"""

from __future__ import annotations

from fpdf import FPDF
from PIL import Image

PAGES = (
    "TEST FIXTURE - not a real policy. Example Health Plan chemodenervation summary, page one.",
    "Page two says CPT 64615 needs prior authorization and a chronic migraine diagnosis such as G43.709.\n"
    "# This hash line is page text, not a heading.",
    "Page three says the drug is billed with HCPCS J0585 per unit given.",
)


def text_pdf(pages: tuple[str, ...] = PAGES, *, title: str | None = "TEST FIXTURE PDF policy",
             author: str | None = "Example Health Plan (test fixture)") -> bytes:
    """A PDF with one page per text, and /Title and /Author when given."""
    pdf = _pdf(title, author)
    for text in pages:
        pdf.add_page()
        pdf.multi_cell(0, 8, text)
    return bytes(pdf.output())


def image_only_pdf() -> bytes:
    """Two pages holding only a picture, as a scanner makes them: no extractable text."""
    pdf = _pdf(None, None)
    for shade in ("gray", "white"):
        pdf.add_page()
        pdf.image(Image.new("RGB", (60, 80), shade), x=10, y=10, w=120)
    return bytes(pdf.output())


def encrypted_pdf() -> bytes:
    """A text PDF that needs the user password ``fixture`` to open."""
    pdf = _pdf("Encrypted fixture", None)
    pdf.add_page()
    pdf.multi_cell(0, 8, "TEST FIXTURE - secret text behind a password.")
    pdf.set_encryption(owner_password="owner-fixture", user_password="fixture")
    return bytes(pdf.output())


def corrupt_pdf() -> bytes:
    """The first bytes of a real PDF, cut short: the header is there, the rest is not."""
    return text_pdf()[:400]


def _pdf(title: str | None, author: str | None) -> FPDF:
    pdf = FPDF()
    pdf.set_font("Helvetica", size=12)
    if title:
        pdf.set_title(title)
    if author:
        pdf.set_author(author)
    return pdf


CODE_ROWS = (
    ("64612", "Facial nerve muscles, one side", "1", "No"),
    ("64615", "Migraine protocol, both sides", "1", "Yes"),
    ("64616", "Neck muscles, one side", "1", "Yes"),
    ("64617", "Larynx, one side, with EMG guidance", "1", "No"),
    ("J0585", "OnabotulinumtoxinA, per unit", "400", "Yes"),
    ("J0587", "RimabotulinumtoxinB, per 100 units", "100", "Yes"),
)
CODE_HEADER = ("Code", "Description", "Max units per 90 days", "Prior authorization")


def table_pdf(rows_per_page: int = 3) -> bytes:
    """A ruled code table spread over pages, its header row repeated at the top of each page."""
    pdf = _pdf("TEST FIXTURE code grid", "Example Health Plan (test fixture)")
    for first in range(0, len(CODE_ROWS), rows_per_page):
        pdf.add_page()
        if first == 0:
            pdf.set_font("Helvetica", "B", 16)
            pdf.cell(0, 10, "Example Health Plan code grid (test fixture)", new_x="LMARGIN", new_y="NEXT")
            pdf.set_font("Helvetica", size=10)
            pdf.multi_cell(0, 6, "Each row gives a code, the most units paid in 90 days and whether prior "
                                 "authorization is needed.")
        pdf.set_font("Helvetica", size=10)
        with pdf.table(col_widths=(20, 80, 45, 45)) as table:
            for row in (CODE_HEADER, *CODE_ROWS[first : first + rows_per_page]):
                cells = table.row()
                for value in row:
                    cells.cell(value)
    return bytes(pdf.output())


class _RunningPdf(FPDF):
    """Pages with a running header and a "Page n of m" footer."""

    def header(self) -> None:
        self.set_font("Helvetica", size=8)
        self.cell(0, 6, "Example Health Plan | Policy EX-12 | Test fixture | Reviewed 02/03/2025")
        self.ln(12)

    def footer(self) -> None:
        self.set_y(-15)
        self.set_font("Helvetica", size=8)
        self.cell(0, 6, f"Page {self.page_no()} of {{nb}} | Confidential test fixture")


RUNNING_PAGES = (
    ("Purpose. This fixture policy explains when Example Health Plan pays for neck injections.",),
    ("Coverage. Example Health Plan pays for 64616 when a neurologist confirms cervical dystonia.",
     "Records. Every session of 64616 must record the muscles injected, the dose in each muscle, and"),
    ("the guidance method whenever guidance was used.", "Frequency. Sessions closer than twelve weeks are denied."),
)


def running_headers_pdf() -> bytes:
    """Three pages with a running header and footer; a sentence runs from page 2 onto page 3."""
    pdf = _RunningPdf()
    pdf.set_font("Helvetica", size=11)
    for lines in RUNNING_PAGES:
        pdf.add_page()
        pdf.set_font("Helvetica", size=11)
        for line in lines:
            pdf.cell(0, 8, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def partly_scanned_pdf() -> bytes:
    """Page 1 has text; page 2 is only a picture (no text layer)."""
    pdf = _pdf("TEST FIXTURE partly scanned", None)
    pdf.add_page()
    pdf.multi_cell(0, 8, "Example Health Plan covers 64615 when the conditions in the attached form are met.")
    pdf.add_page()
    pdf.image(Image.new("RGB", (60, 80), "gray"), x=10, y=10, w=120)
    return bytes(pdf.output())
