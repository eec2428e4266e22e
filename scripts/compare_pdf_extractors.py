"""Compare PDF text extractors on real and field-case PDFs: speed, ligatures, running lines, table rows.

    PYTHONPATH=. python scripts/compare_pdf_extractors.py [PDF or folder ...]  (default: ../shared/realdocs/docs
                                                                                and ../shared/field-cases)

For each extractor: seconds per page; ligature characters left (U+FB00-FB06); running lines left
(lines, digits masked, that recur on half the pages or more of a document of three pages or more:
headers and footers); "code rows whole": lines holding a billing code and ending in Yes/No (a code
table's row kept on one line); table rows found (this project's path) or tables found (pdfplumber).
"""

from __future__ import annotations

import io
import re
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pdfplumber
import pypdfium2 as pdfium
from pypdf import PdfReader

from assistant.ingest.pdf_text import extract_pdf

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = [ROOT.parent / "shared" / "realdocs" / "docs", ROOT.parent / "shared" / "field-cases"]
LIGATURES = re.compile("[\ufb00-\ufb06]")
CODE_ROW = re.compile(r"\b(\d{5}|[A-Z]\d{4})\b.*\b(Yes|No)\s*$")


def with_pypdf(data: bytes) -> tuple[list[str], int]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages], 0


def with_pdfium(data: bytes) -> tuple[list[str], int]:
    document = pdfium.PdfDocument(data)
    return [document[i].get_textpage().get_text_range().replace("\r", "") for i in range(len(document))], 0


def with_pdfplumber(data: bytes) -> tuple[list[str], int]:
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        pages = [(page.extract_text() or "", len(page.find_tables())) for page in pdf.pages]
    return [text for text, _ in pages], sum(count for _, count in pages)


def with_project(data: bytes) -> tuple[list[str], int]:
    found = extract_pdf(Path("bench.pdf"), data)
    bounds = [*found.page_starts, len(found.text)]
    return [found.text[a:b] for a, b in zip(bounds, bounds[1:], strict=False)], found.table_rows


EXTRACTORS: dict[str, Callable[[bytes], tuple[list[str], int]]] = {
    "pypdf": with_pypdf, "pypdfium2 (raw)": with_pdfium, "pdfplumber": with_pdfplumber,
    "project (pypdfium2 + pdfplumber grid)": with_project,
}


def running_lines(pages: list[str]) -> int:
    """Lines (digits masked) found on half the pages or more of a document of three pages or more."""
    if len(pages) < 3:
        return 0
    per_line: Counter[str] = Counter()
    for page in pages:
        per_line.update({re.sub(r"\d+", "#", " ".join(line.split())) for line in page.splitlines() if line.strip()})
    return sum(1 for count in per_line.values() if count * 2 >= len(pages))


def main(argv: list[str]) -> int:
    roots = [Path(a) for a in argv] or [p for p in DEFAULT if p.exists()]
    files = sorted(f for root in roots for f in ([root] if root.is_file() else root.rglob("*.pdf")))
    if not files:
        print("No PDFs found; pass files or folders.", file=sys.stderr)
        return 2
    total_pages = sum(len(PdfReader(f).pages) for f in files)
    print(f"{len(files)} PDFs, {total_pages} pages\n")
    print("| extractor | seconds | ms/page | ligatures left | running lines left | code rows whole | tables / rows |")
    print("|---|---|---|---|---|---|---|")
    for name, extractor in EXTRACTORS.items():
        seconds, ligatures, running, rows, tables = 0.0, 0, 0, 0, 0
        for path in files:
            data = path.read_bytes()
            started = time.perf_counter()
            pages, found = extractor(data)
            seconds += time.perf_counter() - started
            text = "\n".join(pages)
            ligatures += len(LIGATURES.findall(text))
            running += running_lines(pages)
            rows += sum(1 for line in text.splitlines() if CODE_ROW.search(line))
            tables += found
        print(f"| {name} | {seconds:.2f} | {1000 * seconds / total_pages:.1f} | {ligatures} | {running} | {rows} | {tables} |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
