"""Customer service, measured on held-out messages (never used for training or thresholds).

Two held-out sets: ``test``, generated from templates the model never saw, and
``handwritten``, real-looking mail written by hand in another style. For each, and for both
together, it prints: accuracy overall and per language, precision and recall per intent, how
well confidence is calibrated (accuracy per confidence band and the expected calibration
error), and, for the auto-reply policy (an informational intent answered alone when its
confidence reaches the intent's threshold, learnt by cross-validation on the training set):
the share of routine messages answered without the owner and the precision of those answers
(a wrong automatic answer is worse than asking the owner); routine is what the policy answers
alone (status, delivery, invoice), and status and delivery alone for comparison. Then
messages/s classified. Asserts nothing. Usage:

    .venv/bin/python bench/support.py [--repeat 20] [--quick]
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

ROUTINE = policy.ANSWERED_ALONE  # what the policy answers alone (status, delivery, invoice)
# The figure before invoice requests were answered alone, printed too for comparison.
STATUS_AND_DELIVERY = frozenset({intents.ORDER_STATUS, intents.SHIPPING})
BANDS = [(0.0, 0.5), (0.5, 0.7), (0.7, 0.8), (0.8, 0.9), (0.9, 0.95), (0.95, 1.01)]


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
    """Reliability: per band, the share of messages and how often the model was right, against
    the mean confidence it claimed; the ECE is the share-weighted gap."""
    print("confidence band   share  claimed  accuracy")
    ece = 0.0
    for low, high in BANDS:
        inside = [(r, p) for r, p in zip(rows, predictions, strict=True)
                  if low <= p.confidence < high]  # fmt: skip
        if not inside:
            continue
        right = sum(1 for r, p in inside if p.intent == r["intent"]) / len(inside)
        claimed = sum(p.confidence for _r, p in inside) / len(inside)
        ece += len(inside) / len(rows) * abs(right - claimed)
        print(f"[{low:.2f}, {min(high, 1):.2f})   {len(inside) / len(rows):>5.1%}  "
              f"{claimed:>7.3f}  {right:>8.3f}")  # fmt: skip
    print(f"expected calibration error: {ece:.3f}")


def auto_reply(rows, predictions, thresholds) -> None:
    for name, routine_intents in (("status, delivery, invoice", ROUTINE),
                                  ("status and delivery only", STATUS_AND_DELIVERY)):  # fmt: skip
        answered = [
            (r, p)
            for r, p in zip(rows, predictions, strict=True)
            if p.intent in routine_intents
            and thresholds.get(p.intent) is not None
            and p.confidence >= thresholds[p.intent]
        ]
        routine = [r for r in rows if r["intent"] in routine_intents]
        right = sum(1 for r, p in answered if r["intent"] == p.intent)
        print(f"auto-reply at the learnt thresholds ({name}): {len(answered)} answered alone")
        print(f"  precision of automatic answers: {right / len(answered) if answered else 0:.3f}")
        print(f"  routine messages answered without the owner: "
              f"{right / len(routine) if routine else 0:.1%} of {len(routine)}")  # fmt: skip


def measure(name: str, rows, thresholds) -> None:
    print(f"\n== {name}: {len(rows)} messages ({dict(Counter(r['language'] for r in rows))})")
    predictions = classifier.classify_many([r["text"] for r in rows], corrections=False)
    right = sum(1 for r, p in zip(rows, predictions, strict=True) if r["intent"] == p.intent)
    print(f"accuracy overall: {right / len(rows):.3f}")
    for language in ("en", "zh"):
        pairs = [(r, p) for r, p in zip(rows, predictions, strict=True)
                 if r["language"] == language]  # fmt: skip
        hits = sum(1 for r, p in pairs if r["intent"] == p.intent)
        print(f"accuracy {language}: {hits / len(pairs):.3f} ({len(pairs)} messages)")
    per_intent(rows, predictions)
    calibration(rows, predictions)
    auto_reply(rows, predictions, thresholds)


def speed(texts, repeat: int) -> None:
    started = time.perf_counter()
    for _ in range(repeat):
        classifier.classify_many(texts, corrections=False)
    batch = len(texts) * repeat / (time.perf_counter() - started)
    fitted, _version = classifier.model(corrections=False)
    started = time.perf_counter()
    for text in texts:
        fitted.predict_proba([text])
    single = len(texts) / (time.perf_counter() - started)
    print(f"\nspeed: {batch:,.0f} messages/s in batches, {single:,.0f} messages/s one at a time")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=20, help="passes over the set for speed")
    parser.add_argument("--quick", action="store_true", help="one pass for speed")
    args = parser.parse_args()

    train = training_data.load("train") + training_data.load("validation")
    test, handwritten = training_data.load("test"), training_data.load("handwritten")
    started = time.perf_counter()
    _model, version = classifier.model(corrections=False)
    trained_in = time.perf_counter() - started
    print(f"model {version}: trained on {len(train)} messages in {trained_in:.2f} s (with the "
          f"cross-validation that learns its thresholds)")  # fmt: skip
    thresholds = classifier.learnt_thresholds(corrections=False)
    print("thresholds learnt by cross-validation on the training messages (precision ≥ "
          f"{classifier.TARGET_PRECISION}): {thresholds}")  # fmt: skip
    measure("held out: unseen templates", test, thresholds)
    measure("held out: hand-written", handwritten, thresholds)
    measure("held out: both", test + handwritten, thresholds)
    speed([r["text"] for r in test], 1 if args.quick else args.repeat)


if __name__ == "__main__":
    main()
