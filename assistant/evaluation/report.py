"""Write an evaluation report (JSON, Markdown, PNG chart) and print its tables."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from assistant.fileio import write_text_atomic

SUMMARY_COLUMNS = (
    ("items", "items"),
    ("answer_accuracy", "answer acc"),
    ("citation_validity", "cit. valid"),
    ("citation_support", "cit. support"),
    ("abstention_precision", "abst. prec"),
    ("abstention_recall", "abst. rec"),
    ("latency_ms_p50", "p50 ms"),
    ("latency_ms_p95", "p95 ms"),
)
GENERATION_COLUMNS = (("generative_share", "generated"), ("dropped_rate", "sent. dropped"))
"""Shown when a model was asked (``--mode generative|both``)."""
RETRIEVAL_COLUMNS = ("recall@1", "recall@3", "recall@5", "mrr")


def summary_columns(report: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    """The answer table's columns: the generation ones only when some split has them."""
    generated = any("generative_share" in s for s in report["splits"].values())
    return SUMMARY_COLUMNS + GENERATION_COLUMNS if generated else SUMMARY_COLUMNS


@dataclass(frozen=True)
class ReportFiles:
    """Where a report was written."""

    json: Path
    markdown: Path
    chart: Path


def write_report(report: dict[str, Any], folder: Path) -> ReportFiles:
    """Write ``<timestamp>.json``, ``<timestamp>.md`` and ``<timestamp>.png`` under ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    files = ReportFiles(folder / f"{stamp}.json", folder / f"{stamp}.md", folder / f"{stamp}.png")
    write_text_atomic(files.json, json.dumps(report, indent=2, ensure_ascii=False))
    write_text_atomic(files.markdown, markdown(report))
    chart(report, files.chart)
    return files


def markdown(report: dict[str, Any]) -> str:
    """The report as a Markdown summary."""
    lines = [f"# Evaluation {report['created_at']}", "", f"Target: {report['target']}; index {report.get('index_version')}", ""]
    columns = summary_columns(report)
    lines += ["## Answers", "", "| split | " + " | ".join(label for _, label in columns) + " |",
              "|---" * (len(columns) + 1) + "|"]
    for split, summary in report["splits"].items():
        lines.append(f"| {split} | " + " | ".join(_fmt(summary.get(key)) for key, _ in columns) + " |")
    lines += ["", "## Answer accuracy by category", "", "| category | " + " | ".join(report["splits"]) + " |",
              "|---" * (len(report["splits"]) + 1) + "|"]
    categories = sorted({c for s in report["splits"].values() for c in s["by_category"]})
    for category in categories:
        cells = [_fmt(s["by_category"].get(category, {}).get("accuracy")) for s in report["splits"].values()]
        lines.append(f"| {category} | " + " | ".join(cells) + " |")
    for title, rows in retrieval_tables(report):
        lines += ["", f"## {title}", "", "| split | mode | " + " | ".join(RETRIEVAL_COLUMNS) + " | p50 ms | p95 ms |",
                  "|---" * (len(RETRIEVAL_COLUMNS) + 4) + "|"]
        for split, mode, row in rows:
            cells = [_fmt(row.get(c)) for c in RETRIEVAL_COLUMNS] + [_fmt(row.get("latency_ms_p50")), _fmt(row.get("latency_ms_p95"))]
            lines.append(f"| {split} | {mode} | " + " | ".join(cells) + " |")
    if "gate" in report:
        lines += ["", f"## Gate: {'PASSED' if report['gate']['passed'] else 'FAILED'}", ""]
        for check in report["gate"]["checks"]:
            mark = "ok" if check["passed"] else "FAIL"
            lines.append(f"- {mark} {check['split']} {check['check']}: {_fmt(check['value'])} (minimum {_fmt(check['minimum'])})")
    lines += ["", f"## Failures ({len(report['failures'])})", ""]
    for failure in report["failures"]:
        lines.append(f"- `{failure['id']}` ({failure['split']}, {failure['category']}): {'; '.join(failure['problems'])}")
    return "\n".join(lines) + "\n"


def retrieval_tables(report: dict[str, Any]) -> list[tuple[str, list[tuple[str, str, dict[str, Any]]]]]:
    """(title, rows) for the plain retrieval table and, when run, the distractor one."""
    tables = [("Retrieval (corpus only)", [(split, mode, row) for split, s in report["splits"].items()
                                            for mode, row in s["retrieval"].items()])]
    if "distractors" in report:
        d = report["distractors"]
        tables.append((f"Retrieval with {d['count']} distractors (seed {d['seed']}, {d['passages']} passages)",
                       [(split, mode, row) for split, modes in d["splits"].items() for mode, row in modes.items()]))
    return tables


def chart(report: dict[str, Any], path: Path) -> None:
    """A grouped bar chart of accuracy per category, one bar per split."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    splits = list(report["splits"])
    categories = sorted({c for s in report["splits"].values() for c in s["by_category"]})
    width = 0.8 / max(1, len(splits))
    figure, axes = plt.subplots(figsize=(10, 4.5))
    for i, split in enumerate(splits):
        values = [report["splits"][split]["by_category"].get(c, {}).get("accuracy") or 0.0 for c in categories]
        axes.bar([x + i * width for x in range(len(categories))], values, width, label=split)
    axes.set_xticks([x + width * (len(splits) - 1) / 2 for x in range(len(categories))], categories, rotation=30, ha="right")
    axes.set_ylim(0, 1.05)
    axes.set_ylabel("accuracy")
    axes.set_title("Accuracy per category")
    axes.legend()
    figure.tight_layout()
    tmp = path.with_suffix(".tmp.png")
    figure.savefig(tmp, dpi=100)
    plt.close(figure)
    tmp.replace(path)


def print_report(report: dict[str, Any], console: Console, *, show_failures: bool = False) -> None:
    """Print the answer table, the retrieval tables, the gate and (optionally) the failures."""
    table = Table(title=f"Answers ({report['target']})")
    table.add_column("split")
    columns = summary_columns(report)
    for _, label in columns:
        table.add_column(label, justify="right")
    for split, summary in report["splits"].items():
        table.add_row(split, *[_fmt(summary.get(key)) for key, _ in columns])
    console.print(table)
    categories = Table(title="Answer accuracy by category")
    categories.add_column("category")
    for split in report["splits"]:
        categories.add_column(split, justify="right")
    for category in sorted({c for s in report["splits"].values() for c in s["by_category"]}):
        categories.add_row(category, *[_fmt(s["by_category"].get(category, {}).get("accuracy")) for s in report["splits"].values()])
    console.print(categories)
    for title, rows in retrieval_tables(report):
        retrieval = Table(title=title)
        for column in ("split", "mode", *RETRIEVAL_COLUMNS, "p50 ms", "p95 ms"):
            retrieval.add_column(column, justify="left" if column in ("split", "mode") else "right")
        for split, mode, row in rows:
            retrieval.add_row(split, mode, *[_fmt(row.get(c)) for c in RETRIEVAL_COLUMNS],
                              _fmt(row.get("latency_ms_p50")), _fmt(row.get("latency_ms_p95")))
        console.print(retrieval)
    if "gate" in report:
        failed = [c for c in report["gate"]["checks"] if not c["passed"]]
        verdict = "[green]GATE PASSED[/green]" if report["gate"]["passed"] else "[red]GATE FAILED[/red]"
        console.print(verdict)
        for check in failed:
            console.print(f"  {check['split']} {check['check']}: {_fmt(check['value'])} < {_fmt(check['minimum'])}")
    if show_failures:
        print_failures(report, console)
    elif report["failures"]:
        console.print(f"{len(report['failures'])} item(s) failed; --show-failures lists them.")


def print_failures(report: dict[str, Any], console: Console) -> None:
    """Each failing item: conversation, answer, citations and what was missing."""
    for failure in report["failures"]:
        console.rule(f"{failure['id']} ({failure['split']}, {failure['category']})")
        for turn in failure["turns"]:
            console.print(f"[bold]user:[/bold] {escape(turn)}")
        console.print(f"[bold]searched:[/bold] {escape(str(failure['query']))}")
        console.print(f"[bold]answer:[/bold] {escape(str(failure['answer']))}")
        for citation in failure["citations"]:
            console.print(f"  [{citation['marker']}] {escape(' '.join(str(citation['quote']).split())[:160])}")
        for problem in failure["problems"]:
            console.print(f"  [red]- {escape(problem)}[/red]")


def _fmt(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.3f}" if value <= 1.0 else f"{value:.1f}"
    return str(value)
