"""On the real payer and CMS PDFs (``../shared/realdocs``, never copied here): no stored sentence
holds a line that the raw text repeats on three or more pages, and tables come out as rows.

The repeated lines are found independently of the furniture detector: from pypdf's raw text of
each page, digits masked (so "Page 3 of 21" and "Page 4 of 21" are one line).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from pathlib import Path

import pytest
from pypdf import PdfReader

from assistant.config import Settings
from assistant.ingest.chunking import is_unit_line, split_sentences
from assistant.ingest.documents import read_documents
from assistant.ingest.source_docs import Overrides
from assistant.models import Document
from assistant.sources import IngestRun
from tests.conftest import ROOT

REALDOCS = ROOT.parent / "shared" / "realdocs" / "docs"
pytestmark = pytest.mark.skipif(not REALDOCS.is_dir(), reason=f"{REALDOCS} is not present")
_DIGITS = re.compile(r"\d+")


def _key(text: str) -> str:
    return _DIGITS.sub("#", " ".join(text.split()))


def repeated_lines(path: Path, *, min_words: int = 3) -> tuple[set[str], set[str]]:
    """Lines that pypdf finds on three pages or more (digits masked), and among them the running
    ones: found on half the pages or more with digits masked ("Page # of #"). A line on a few pages
    may be a repeated table cell ("A and B and HHH" in the contractor tables) or, masked, different
    headings ("HCPCS Code G0316", "HCPCS Code G0463"); a running line is never table content."""
    exact: Counter[str] = Counter()
    masked: Counter[str] = Counter()
    pages = PdfReader(path).pages
    for page in pages:
        lines = {" ".join(line.split()) for line in page.extract_text().splitlines() if len(line.split()) >= min_words}
        exact.update(lines)
        masked.update({_key(line) for line in lines})
    running = {line for line, count in masked.items() if count >= 3 and count * 2 >= len(pages)}
    return {_key(line) for line, count in exact.items() if count >= 3} | running, running


@pytest.fixture(scope="module")
def ingested(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Document]:
    """The six PDFs ingested into a temporary corpus (no index needed for what is stored)."""
    root = tmp_path_factory.mktemp("realdocs")
    settings = Settings(corpus_dir=root / "corpus", index_dir=root / "index", data_dir=root / "data")
    (settings.corpus_dir / "documents").mkdir(parents=True)
    run = IngestRun(settings, Overrides(), encoding=None, today=dt.date(2026, 1, 1))
    for path in sorted(REALDOCS.glob("*.pdf")):
        run.ingest(path)
    return {Path(d.path).stem: d for d in read_documents(settings.corpus_dir / "documents")}


def test_no_stored_sentence_holds_a_line_repeated_on_three_pages(ingested: dict[str, Document]) -> None:
    """Prose sentences hold no repeated line; the values of table rows (cells read from inside their
    boxes, where a cell's words may well repeat from row to row) hold no running line."""
    assert len(ingested) == 6
    for path in sorted(REALDOCS.glob("*.pdf")):
        document = ingested[path.stem.lower()]
        repeated, running = repeated_lines(path)
        assert running, f"{path.name}: the check found no running header or footer to look for"
        found = set()
        for sentence in split_sentences(document):
            text = document.text[sentence.start : sentence.end]
            if is_unit_line(text) and ": " in text:
                # A row's column names are its table's header, printed again on each page the table
                # runs over ("Not To Be / Reported With"): only the cells' values are checked.
                values = " ".join(cell.split(": ", 1)[-1] for cell in text.split("; "))
                found |= {line for line in running if line in _key(values)}
            else:
                found |= {line for line in repeated if line in _key(text)}
        assert not found, f"{path.name}: stored sentences hold lines repeated on 3+ pages: {sorted(found)[:3]}"


def test_pages_are_mapped_and_tables_are_rows_with_headers(ingested: dict[str, Document]) -> None:
    for document in ingested.values():
        assert document.page_starts[0] == 0 and len(document.page_starts) >= 5
        assert "## Page " not in document.text
        assert document.page_at(len(document.text) - 1) == len(document.page_starts)
        rows = [line for line in document.text.split("\n") if "; " in line and ": " in line.split("; ")[0]]
        assert rows, f"{document.doc_id}: no table row kept its header"
