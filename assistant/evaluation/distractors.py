"""Reproducible synthetic billing-style documents that make retrieval harder to pass by luck.

On a one-document corpus every retriever looks perfect; thousands of plausible neighbours (other
codes, the same payers, modifiers and places of service) show which retriever really ranks.
Generated text is never indexed with the real corpus except in a temporary directory.
"""

from __future__ import annotations

import random
from collections.abc import Iterable

from assistant.models import Document, Passage

PAYERS = ["Aetna", "Cigna", "Humana", "UnitedHealthcare", "Blue Cross Blue Shield", "Medicare", "Medicaid", "Anthem"]
MODIFIERS = [("25", "significant, separately identifiable E/M service"), ("50", "bilateral procedure"),
             ("51", "multiple procedures"), ("59", "distinct procedural service"), ("76", "repeat procedure"),
             ("LT", "left side"), ("RT", "right side"), ("XS", "separate structure")]
PLACES = [("11", "office"), ("19", "off-campus outpatient hospital"), ("21", "inpatient hospital"),
          ("22", "on-campus outpatient hospital"), ("23", "emergency room"), ("24", "ambulatory surgical center")]
PROCEDURES = ["arthrocentesis of a major joint", "injection of a trigger point", "excision of a skin lesion",
              "repair of a laceration", "nerve conduction study", "epidural steroid injection",
              "destruction of a facet joint nerve", "botulinum toxin injection of the bladder",
              "physical therapy evaluation", "application of a cast", "debridement of a wound",
              "radiofrequency ablation of the genicular nerves", "chemodenervation of the neck muscles"]
CONDITIONS = ["osteoarthritis", "low back pain", "migraine", "cervical dystonia", "plantar fasciitis",
              "diabetic neuropathy", "rotator cuff tear", "overactive bladder", "carpal tunnel syndrome"]
SPECIALTIES = ["Orthopedic Surgery", "Dermatology", "Urology", "Anesthesiology", "Family Medicine",
               "Physical Therapy", "Podiatry", "Interventional Radiology"]
DOCUMENTS = ["the indication", "the imaging findings", "the number of units", "the laterality",
             "prior conservative treatment", "the informed consent", "the follow-up plan", "the dosage given"]
TEMPLATES = [
    "CPT {code} describes {procedure}. It is reported once per session and is commonly billed by {specialty}.",
    "{payer} covers CPT {code} for {condition} when conservative treatment has failed; prior authorization may apply.",
    "Modifier {mod} ({mod_desc}) is appended to CPT {code} when the documentation supports it.",
    "Typical sites of service for CPT {code} include the {place} (POS {pos}).",
    "Documentation for CPT {code} should include {doc1} and {doc2}.",
    "A typical patient for CPT {code} is an adult with {condition} evaluated by {specialty}.",
    "{payer} does not reimburse CPT {code} with modifier {mod} in place of service {pos} ({place}).",
    "CPT {code} ({procedure}) is often reported for {condition}; {payer} lists it in its policy bulletin.",
]


def generate_distractors(count: int, *, seed: int = 20_000, exclude_codes: Iterable[str] = ()) -> list[tuple[str, str]]:
    """``count`` synthetic passages as ``(doc_id, text)``, identical for the same seed.

    Codes in ``exclude_codes`` (the real corpus's own) are never used, so a distractor never
    claims something about the codes the evaluation asks about.
    """
    if count < 0:
        raise ValueError(f"count must not be negative, got {count!r}")
    rng = random.Random(seed)
    excluded = set(exclude_codes)
    out = []
    for number in range(count):
        code = str(rng.randint(10021, 69990))
        while code in excluded:
            code = str(rng.randint(10021, 69990))
        mod, mod_desc = rng.choice(MODIFIERS)
        pos, place = rng.choice(PLACES)
        doc1, doc2 = rng.sample(DOCUMENTS, 2)
        values = {
            "code": code, "payer": rng.choice(PAYERS), "mod": mod, "mod_desc": mod_desc, "pos": pos,
            "place": place, "procedure": rng.choice(PROCEDURES), "condition": rng.choice(CONDITIONS),
            "specialty": rng.choice(SPECIALTIES), "doc1": doc1, "doc2": doc2,
        }
        first, second = rng.sample(TEMPLATES, 2)
        text = f"{first.format(**values)} {second.format(**values)}"
        out.append((f"synthetic-{number:06d}", text))
    return out


def distractor_index_parts(passages: list[tuple[str, str]]) -> tuple[list[Document], list[Passage]]:
    """Synthetic passages as documents (publisher "synthetic") and one chunk passage each."""
    documents = [
        Document(doc_id=doc_id, title=f"Synthetic distractor {doc_id}", publisher="synthetic", source_url=None,
                 codes=(), added=None, text=text, path="(generated)")
        for doc_id, text in passages
    ]
    chunks = [
        Passage(passage_id=f"{d.doc_id}#0-{len(d.text)}", kind="chunk", doc_id=d.doc_id, text=d.text,
                start=0, end=len(d.text), section=None)
        for d in documents
    ]
    return documents, chunks
