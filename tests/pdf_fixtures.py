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
