"""The verifier of generated sentences, on fixed inputs (no model, no server): what it keeps, what it
drops and why, how it cuts sentences, and that its threshold is the one its calibration pairs give."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest

from assistant.answer.entities import EntityRecognizer
from assistant.answer.phrasebook import load_phrasebook
from assistant.answer.verify import Given, Verifier, load_verifier_settings, markers, renumber, split_sentences
from assistant.errors import ConfigError
from assistant.evaluation.calibrate import MAX_QUOTE_CHARS, figures, fit_threshold, load_pairs, score_pairs
from tests.conftest import ROOT

PROMPTS = ROOT / "prompts"
REALDOCS = ROOT.parent / "shared" / "realdocs" / "docs"
PAIRS = {split: ROOT / "eval" / "verifier" / f"pairs-{split}.jsonl" for split in ("dev", "test")}


@pytest.fixture(scope="module")
def verifier() -> Verifier:
    recognizer = EntityRecognizer(load_phrasebook(PROMPTS).vocabulary)
    return Verifier(load_verifier_settings(PROMPTS), recognizer, drug_names=["Spravato", "esketamine"])


POLICY = {
    1: Given("Harbor Point Health requires prior authorization for CPT 64612 before the first session.", "Harbor Point Health note"),
    2: Given("Harbor Point Health pays 64612 once every twelve weeks.", "Harbor Point Health note"),
    3: Given("Maintenance therapy is not covered.", "Harbor Point Health note"),
    4: Given("Spravato is available only through a restricted program.", "Harbor Point Health note"),
    5: Given("Home or residence E/M CPT codes 99341-99350 may be reported with G2211.", "CMS booklet"),
    6: Given("The policy takes effect on March 1, 2026.", "Harbor Point Health note"),
}


@pytest.mark.parametrize(
    "sentence",
    [
        "Harbor Point Health requires prior authorization for CPT 64612 before the first session [1].",
        "Prior authorization for CPT 64612 is required by Harbor Point Health before the first session [1].",
        "Harbor Point Health pays 64612 once every 12 weeks [2].",  # "twelve" and "12" are one number
        "Harbor Point Health requires prior authorization for CPT 64612 [1], and it pays once every twelve weeks [2].",
        "Maintenance therapy is not covered [3].",
        "Maintenance therapy is non-covered [3].",
        "Spravato is only available through a restricted program [4].",
        "CPT 99345 may be reported with G2211 [5].",  # inside the range the passage states
        "The policy takes effect on 3/1/2026 [6].",  # the same date written another way
        "Harbor Point Health pays 64612 once every twelve weeks [2, 1].",
    ],
)
def test_supported_sentences_are_kept(verifier: Verifier, sentence: str) -> None:
    checked = verifier.check(sentence, POLICY, ["Does Harbor Point need prior auth for 64612?"])
    assert checked.kept, checked.reason


@pytest.mark.parametrize(
    ("sentence", "reason"),
    [
        ("Harbor Point Health requires prior authorization for CPT 64612.", "cites no passage"),
        ("Harbor Point Health pays 64612 once every twelve weeks [9].", "cites [9], which was not given"),
        ("Harbor Point Health requires prior authorization for CPT 64615 [1].", "names '64615'"),
        ("Harbor Point Health pays 64612 once every ten weeks [2].", "names 'ten'"),
        ("Harbor Point Health pays 64612 twice every twelve weeks [2].", "names 'twice'"),
        ("Aetna requires prior authorization for CPT 64612 before the first session [1].", "names 'Aetna'"),
        ("The policy takes effect on April 1, 2026 [6].", "names 'April 1, 2026'"),
        ("Esketamine is available only through a restricted program [4].", "names 'Esketamine'"),
        ("Dysport is available only through a restricted program [4].", "names 'Dysport'"),  # rare word: a name
        ("Maintenance therapy is covered [3].", "negates differently"),
        ("Harbor Point Health does not require prior authorization for CPT 64612 before the first session [1].", "negates differently"),
        ("Harbor Point Health pays 64612 more than once every twelve weeks [2].", "qualifies by 'more'"),
        ("Harbor Point Health pays 64612 once every twelve months [2].", "qualifies by 'month'"),
        ("Harbor Point Health requires prior authorization for CPT 64612 after the first session [1].", "qualifies by 'after'"),
        ("Harbor Point Health requires a referral and a neurology consult for CPT 64612 [1].", "support"),
        ("Yes [1].", "support 0.00"),
    ],
)
def test_unsupported_sentences_are_dropped_with_the_reason(verifier: Verifier, sentence: str, reason: str) -> None:
    checked = verifier.check(sentence, POLICY, ["Does Harbor Point need prior auth for 64612?"])
    assert not checked.kept
    assert reason in str(checked.reason)


def test_a_code_or_payer_from_the_users_own_turns_may_be_named(verifier: Verifier) -> None:
    given = {1: Given("Prior authorization is required before the first session.", "Harbor Point Health note")}
    sentence = "For CPT 64612, prior authorization is required before the first session [1]."
    assert not verifier.check(sentence, given, ["what does harbor point want?"]).kept
    assert verifier.check(sentence, given, ["does 64612 need PA?"]).kept


@pytest.mark.parametrize(
    ("text", "sentences", "rest"),
    [
        ("Aetna covers it [1]. It needs X [2][3]. Do", ["Aetna covers it [1].", "It needs X [2][3]."], "Do"),
        ("It is covered. [1] Next one [2].", ["It is covered. [1]"], "Next one [2]."),  # markers after the stop stay
        ("BMI of 37.5 or more, e.g. after diet [1]. U.S. rules apply [2]. ", ["BMI of 37.5 or more, e.g. after diet [1]."], "U.S. rules apply [2]. "),
        ("- first item [1]\n1. second item [2]\nthird", ["first item [1]", "second item [2]"], "third"),
        ("Cut mid-sent", [], "Cut mid-sent"),
    ],
)
def test_sentences_are_cut_where_they_end(text: str, sentences: list[str], rest: str) -> None:
    assert split_sentences(text, final=False) == (sentences, rest)


def test_pieces_arriving_one_by_one_are_cut_as_the_whole_text() -> None:
    text = "Harbor Point Health pays 64612 once every twelve weeks. [2] It needs prior auth, e.g. a form [1]. Done [1]."
    for size in (1, 2, 3, 7, 50):
        done: list[str] = []
        rest = ""
        for start in range(0, len(text), size):
            pieces, rest = split_sentences(rest + text[start : start + size], final=False)
            done += pieces
        done += split_sentences(rest, final=True)[0]
        assert done == split_sentences(text)[0]


def test_markers_are_read_and_renumbered() -> None:
    assert markers("a [2][5] b [3, 2].") == [2, 5, 3, 2]
    assert renumber("a [2][5] b [3, 2].", {2: 1, 5: 2, 3: 3}) == "a [1][2] b [3][1]."


def test_a_broken_verifier_file_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "verifier.yaml").write_text("support_threshold: 2\nnegations: not\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="verifier.yaml"):
        load_verifier_settings(tmp_path)


# --- Calibration: the pairs are short quotes of the real documents, and the threshold is theirs.


@pytest.mark.parametrize("split", ["dev", "test"])
def test_pairs_quote_the_real_documents_briefly(split: str) -> None:
    pairs = load_pairs(PAIRS[split])
    assert len(pairs) >= 40 and sum(p.supported for p in pairs) >= 20 and sum(not p.supported for p in pairs) >= 20
    assert all(len(p.quote) <= MAX_QUOTE_CHARS for p in pairs)
    if not REALDOCS.is_dir():
        pytest.skip(f"{REALDOCS} is absent: quotes not checked against the documents")
    import pypdfium2

    def normal(text: str) -> str:
        return " ".join(unicodedata.normalize("NFKC", text).split())

    texts: dict[str, str] = {}
    for pair in pairs:
        if pair.doc not in texts:
            pdf = pypdfium2.PdfDocument(str(REALDOCS / pair.doc))
            texts[pair.doc] = normal("\n".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf))))
        assert normal(pair.quote) in texts[pair.doc], (pair.doc, pair.quote)


def test_threshold_and_figures_are_the_ones_the_pairs_give() -> None:
    settings = load_verifier_settings(PROMPTS)
    unthresholded = Verifier(
        settings.model_copy(update={"support_threshold": 0.0}), EntityRecognizer(load_phrasebook(PROMPTS).vocabulary)
    )
    dev = score_pairs(unthresholded, load_pairs(PAIRS["dev"]))
    test = score_pairs(unthresholded, load_pairs(PAIRS["test"]))
    recorded = settings.calibration
    threshold = fit_threshold(dev, min_precision=float(str(recorded["min_precision"])))
    assert round(threshold, 4) == settings.support_threshold  # rerun scripts/calibrate_verifier.py after a change
    assert json.loads(json.dumps(figures(dev, threshold))) == recorded["dev"]
    assert json.loads(json.dumps(figures(test, threshold))) == recorded["test"]
    held_out = figures(test, threshold)
    assert held_out["precision"] >= 0.9 and held_out["recall"] >= 0.5
