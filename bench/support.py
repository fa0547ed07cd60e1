"""Customer service, measured on the held-out messages (never used for training).

Prints, for the intent classifier: accuracy overall and per language, precision and recall
per intent, how well its confidence is calibrated (accuracy per confidence band), messages/s
classified; and, for the auto-reply policy (an informational intent above its threshold): the
share of routine messages it would answer without the owner and the precision of those answers
(a wrong automatic answer is worse than asking the owner). Asserts nothing. Usage:

    .venv/bin/python bench/support.py [--thresholds 0.6,0.7,0.8] [--repeat 20]
"""

import argparse
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "soloops.settings")
os.environ.setdefault("SOLOOPS_VAR_DIR", tempfile.mkdtemp(prefix="soloops-bench-support-"))

import django

django.setup()

from soloops.support import classifier, intents, policy, training_data  # noqa: E402

ROUTINE = policy.ANSWERED_ALONE  # what the policy answers alone (status, delivery)


def per_intent(rows, predictions) -> None:
    print(f"{'intent':<18} {'precision':>9} {'recall':>7} {'n':>4}")
    for intent in intents.INTENTS:
        said = [r for r, p in zip(rows, predictions, strict=True) if p.intent == intent]
        truly = [r for r in rows if r["intent"] == intent]
        hits = sum(1 for r in said if r["intent"] == intent)
        precision = hits / len(said) if said else float("nan")
        recall = hits / len(truly) if truly else float("nan")
        print(f"{intent:<18} {precision:>9.3f} {recall:>7.3f} {len(truly):>4}")


def calibration(rows, predictions) -> None:
    print("confidence band    share  accuracy")
    bands = [(0.0, 0.5), (0.5, 0.7), (0.7, 0.8), (0.8, 0.9), (0.9, 1.01)]
    for low, high in bands:
        inside = [
            (r, p) for r, p in zip(rows, predictions, strict=True) if low <= p.confidence < high
        ]
        if not inside:
            continue
        right = sum(1 for r, p in inside if p.intent == r["intent"]) / len(inside)
        print(
            f"[{low:.1f}, {min(high, 1):.1f})        {len(inside) / len(rows):>5.1%}  {right:>8.3f}"
        )


def auto_reply(rows, predictions, threshold: float) -> None:
    answered = [
        (r, p)
        for r, p in zip(rows, predictions, strict=True)
        if p.intent in ROUTINE and p.confidence >= threshold
    ]
    routine = [r for r in rows if r["intent"] in ROUTINE]
    right = sum(1 for r, p in answered if r["intent"] == p.intent)
    routine_answered = sum(
        1 for r, p in answered if r["intent"] in ROUTINE and r["intent"] == p.intent
    )
    print(f"auto-reply threshold {threshold}: {len(answered)} messages would be answered alone")
    print(f"  precision of automatic answers: {right / len(answered) if answered else 0:.3f}")
    print(f"  routine messages answered without the owner: "
          f"{routine_answered / len(routine) if routine else 0:.1%} of {len(routine)}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--thresholds", default="0.6,0.7,0.8")
    parser.add_argument("--repeat", type=int, default=20, help="passes over the set for speed")
    args = parser.parse_args()

    train, test = training_data.load("train"), training_data.load("test")
    started = time.perf_counter()
    _model, version = classifier.model(corrections=False)
    trained_in = time.perf_counter() - started
    print(f"model {version}: trained on {len(train)} messages in {trained_in:.2f} s; "
          f"held out: {len(test)} ({Counter(r['language'] for r in test)})")  # fmt: skip

    predictions = classifier.classify_many([r["text"] for r in test], corrections=False)
    right = sum(1 for r, p in zip(test, predictions, strict=True) if r["intent"] == p.intent)
    print(f"accuracy overall: {right / len(test):.3f}")
    for language in ("en", "zh"):
        pairs = [
            (r, p) for r, p in zip(test, predictions, strict=True) if r["language"] == language
        ]
        hits = sum(1 for r, p in pairs if r["intent"] == p.intent)
        print(f"accuracy {language}: {hits / len(pairs):.3f} ({len(pairs)} messages)")
    per_intent(test, predictions)
    calibration(test, predictions)
    for threshold in args.thresholds.split(","):
        auto_reply(test, predictions, float(threshold))

    texts = [r["text"] for r in test]
    started = time.perf_counter()
    for _ in range(args.repeat):
        classifier.classify_many(texts, corrections=False)
    batch = len(texts) * args.repeat / (time.perf_counter() - started)
    fitted, _version = classifier.model(corrections=False)
    started = time.perf_counter()
    for text in texts:
        fitted.predict_proba([text])
    single = len(texts) / (time.perf_counter() - started)
    print(f"speed: {batch:,.0f} messages/s in batches, {single:,.0f} messages/s one at a time")


if __name__ == "__main__":
    main()
