"""Issue 14 point 5, measured: would a character n-gram intent classifier help the rules?

A scikit-learn pipeline (TF-IDF over character 1–3-grams, logistic regression) is trained on the labelled lines of
some sets and consulted on lines of *other* sets only where the rules are unsure or disagree:

- the rules say `unknown`, or a record/plan they would ask about (`confirm`), and the classifier names another
  intent with probability >= --threshold: its intent is taken (never a record or plan: the rules stay the authority
  for what is stored, so the classifier may only turn a line into a question, help, … or leave it);
- the rules say record/plan and the classifier is that sure of a non-record intent: the line is asked about
  (`confirm`) instead of stored.

It prints, for the test sets, intent accuracy, lines right in every field, asks and silent false records with the
rules alone and with the classifier. Run it against the parser of any commit to see whether a classifier would have
helped on lines those rules were not tuned on, e.g. the session's starting parser on the blind sets b and c:

    .venv/bin/pip install scikit-learn                       # optional: not a dependency of the product
    git archive 917cd18 nlp | tar -x -C /tmp/old
    PYTHONPATH=/tmp/old .venv/bin/python bench/intent_classifier.py --test holdout_2026_12_02_b.yaml holdout_2026_12_02_c.yaml
"""
from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
SETS = ROOT / "tests" / "nlp"
TRAIN = ("corpus.yaml", "heldout.yaml", "final_holdout.yaml", "holdout_2026_11_25.yaml", "holdout_2026_12_02.yaml")
FIELDS = ("intent", "activities", "date", "expected", "present", "speaker", "topic", "period", "target",
          "item", "score", "deduction", "declaration", "value", "top", "negated", "form", "subject")
SHORT = {"t": "text", "i": "intent", "a": "activities", "d": "date", "e": "expected", "p": "present", "now": "today"}
STORED = ("record", "plan")


def load(name: str) -> list[dict]:
    rows = []
    for raw in yaml.safe_load((SETS / name).read_text(encoding="utf-8")):
        row = {SHORT.get(k, k): v for k, v in raw.items()}
        row.setdefault("today", date(2022, 12, 28))
        row["activities"] = tuple(row.get("activities") or ())
        row.setdefault("negated", False)
        rows.append(row)
    return rows


def classifier(rows: list[dict]):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    model = make_pipeline(TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True),
                          LogisticRegression(C=10, max_iter=2000))
    model.fit([r["text"] for r in rows], [r["intent"] for r in rows])
    return model


def score(rows: list[dict], model, threshold: float) -> dict[str, dict[str, float]]:
    from nlp.parser import _parse

    probs = model.predict_proba([r["text"] for r in rows])
    classes = list(model.classes_)
    out = {"rules": dict.fromkeys(("intent", "lines", "asks", "silent"), 0),
           "rules + classifier": dict.fromkeys(("intent", "lines", "asks", "silent"), 0)}
    for row, p in zip(rows, probs):
        got = _parse(row["text"], row["today"])
        fields = {f: getattr(got, f, None) for f in FIELDS}
        best = classes[p.argmax()]
        sure = p.max() >= threshold
        readings = {"rules": (fields, got.confirm)}
        mixed, confirm = dict(fields), got.confirm
        if sure and best != got.intent and best not in STORED:
            if got.intent == "unknown" or (got.intent in STORED and got.confirm):
                mixed = {f: (best if f == "intent" else (() if f == "activities" else (False if f == "negated" else None)))
                         for f in FIELDS}  # the classifier gives an intent only: its fields are empty
                confirm = False
            elif got.intent in STORED:
                confirm = True  # the rules would store it; the classifier is sure it is something else: ask
        readings["rules + classifier"] = (mixed, confirm)
        for name, (f, asked) in readings.items():
            tally = out[name]
            tally["intent"] += f["intent"] == row["intent"]
            tally["lines"] += all(f[k] == (tuple(row.get(k) or ()) if k == "activities" else row.get(k)) for k in FIELDS)
            tally["asks"] += asked
            if f["intent"] in STORED and f["activities"] and not asked and (
                    f["intent"], f["activities"], f["date"]) != (row["intent"], row["activities"], row.get("date")):
                tally["silent"] += 1
    return {name: {k: v / len(rows) if k != "silent" else v for k, v in t.items()} for name, t in out.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--train", nargs="+", default=list(TRAIN), help="labelled sets under tests/nlp to train on")
    ap.add_argument("--test", nargs="+", required=True, help="labelled sets under tests/nlp to score (not trained on)")
    ap.add_argument("--threshold", type=float, nargs="+", default=[0.5, 0.7, 0.9])
    args = ap.parse_args()
    assert not set(args.train) & set(args.test), "a test set must not be trained on"
    sys.path.append(str(ROOT))  # after PYTHONPATH: another commit's nlp/ may be measured
    import nlp

    train = [r for name in args.train for r in load(name)]
    model = classifier(train)
    print(f"parser: {Path(nlp.__file__).parent}; trained on {len(train)} lines of {', '.join(args.train)}")
    for name in args.test:
        rows = load(name)
        for threshold in args.threshold:
            for reading, t in score(rows, model, threshold).items():
                print(f"  {name} ({len(rows)} lines), threshold {threshold}: {reading:18s} intent {t['intent']:.1%}, "
                      f"lines right {t['lines']:.1%}, asks {t['asks']:.1%}, silent false records {t['silent']:.0f}")


if __name__ == "__main__":
    main()
