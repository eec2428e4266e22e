"""Pages without a text layer -> their text read by OCR (the Debian ``tesseract-ocr`` program).

Used only when ``assistant ingest --ocr`` asks for it: the page is rendered by PDFium at
``DPI`` dots per inch and read by tesseract through pytesseract. OCR text is plain lines; it has no
tables or headings.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pypdfium2 as pdfium
import pytesseract

from assistant.errors import OcrError

DPI = 300
_TIMEOUT_SECONDS = 120


def tesseract_available() -> bool:
    """Whether the tesseract program is on the PATH."""
    return shutil.which(pytesseract.pytesseract.tesseract_cmd) is not None


def ocr_page(path: Path, page: pdfium.PdfPage, number: int, *, language: str = "eng") -> str:
    """The text tesseract reads on page ``number`` of the PDF at ``path``.

    Raises:
        OcrError: tesseract is not installed, or it failed or timed out on the page.
    """
    if not tesseract_available():
        raise OcrError(
            f"{path}: --ocr was given but the tesseract program is not installed; install the Debian package "
            "tesseract-ocr (apt-get install tesseract-ocr), or ingest without --ocr."
        )
    image = page.render(scale=DPI / 72).to_pil()
    try:
        text: str = pytesseract.image_to_string(image, lang=language, timeout=_TIMEOUT_SECONDS)
    except (pytesseract.TesseractError, RuntimeError, OSError) as exc:
        raise OcrError(f"{path}: OCR of page {number} failed ({exc}); ingest without --ocr to skip it.") from exc
    return text
