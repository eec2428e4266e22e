"""Fit the verifier's support threshold on the dev paraphrase pairs and write prompts/verifier.yaml.

    .venv/bin/python scripts/calibrate_verifier.py            # fit, print, write
    .venv/bin/python scripts/calibrate_verifier.py --dry-run  # print only

The threshold is the support share with the highest recall at a precision of at least 0.95 on
eval/verifier/pairs-dev.jsonl (assistant/evaluation/calibrate.py); the held-out
eval/verifier/pairs-test.jsonl is measured with it and both sets of figures are recorded in
prompts/verifier.yaml's `calibration` line, so the threshold and its evidence travel together.
Only the `support_threshold:` and `calibration:` lines are rewritten; comments stay.
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

from assistant.answer.entities import EntityRecognizer
from assistant.answer.phrasebook import load_phrasebook
from assistant.answer.verify import VERIFIER_FILE, Verifier, load_verifier_settings
from assistant.evaluation.calibrate import figures, fit_threshold, load_pairs, score_pairs
from assistant.fileio import write_text_atomic

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prompts", type=Path, default=ROOT / "prompts")
    parser.add_argument("--dev", type=Path, default=ROOT / "eval" / "verifier" / "pairs-dev.jsonl")
    parser.add_argument("--test", type=Path, default=ROOT / "eval" / "verifier" / "pairs-test.jsonl")
    parser.add_argument("--min-precision", type=float, default=0.95)
    parser.add_argument("--dry-run", action="store_true", help="Print the figures without writing.")
    args = parser.parse_args()

    settings = load_verifier_settings(args.prompts).model_copy(update={"support_threshold": 0.0})
    verifier = Verifier(settings, EntityRecognizer(load_phrasebook(args.prompts).vocabulary))
    dev = score_pairs(verifier, load_pairs(args.dev))
    test = score_pairs(verifier, load_pairs(args.test))
    threshold = fit_threshold(dev, min_precision=args.min_precision)
    record = {
        "fitted_on": f"eval/verifier/{args.dev.name}",
        "min_precision": args.min_precision,
        "dev": figures(dev, threshold),
        "test": figures(test, threshold),
        "rules_only": {"dev": figures(dev, 0.0), "test": figures(test, 0.0)},
    }
    print(f"support_threshold: {threshold:.4f}")
    print(json.dumps(record, indent=2))
    if args.dry_run:
        return
    path = args.prompts / VERIFIER_FILE
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"(?m)^support_threshold:.*$", f"support_threshold: {threshold:.4f}", text)
    text = re.sub(r"(?m)^calibration:.*$", "calibration: " + json.dumps(record), text)
    write_text_atomic(path, text)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
