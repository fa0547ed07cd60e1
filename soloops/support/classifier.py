"""The intent classifier: TF-IDF over character n-grams (Chinese needs no word segmenter, and
typos change only a few n-grams) and a linear model, calibrated so that a confidence of 0.9
is right about nine times in ten. Local, CPU-only, trained in about a second.

It is trained on first use from the shipped training set (``training_data``), its held-out
part left out, plus the owner's corrections made before today, and kept under ``var/support/``
by its version: the hash of what it learnt from
and of the scikit-learn version, so a changed training set or library trains a new model and
each decision records the version that made it. The file is our own, written by this module
into var/ (pickle is only safe for files one wrote oneself).
"""

import functools
import hashlib
import json
import pickle
import re
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from soloops.support import training_data

ORDER_NUMBER = re.compile(r"(?<![0-9A-Za-z])SO-\d{4}-[0-9A-Z]{8}(?![0-9A-Za-z])", re.IGNORECASE)
# Bump when ``build`` or ``normalise`` change: a model trained the old way gets a new version.
FEATURES_VERSION = 2
_lock = threading.Lock()
_loaded: dict[str, object] = {}


@dataclass(frozen=True)
class Prediction:
    intent: str
    confidence: float  # the calibrated probability of ``intent``
    model_version: str


def normalise(text: str) -> str:
    """What the model reads: lower case, order numbers as one token, spaces collapsed."""
    text = ORDER_NUMBER.sub(" ordernumber ", text or "")
    return " ".join(text.lower().split())


@functools.cache
def _shipped(_stamp: float) -> tuple[tuple[str, str], ...]:
    return tuple((row["text"], row["intent"]) for row in training_data.load("train"))


@functools.lru_cache(maxsize=2)
def _corrections(before: datetime) -> tuple[tuple[str, str], ...]:
    from soloops.support.models import Message

    rows = Message.objects.filter(corrected_at__lt=before).order_by("pk")
    return tuple(rows.values_list("body", "corrected_intent"))


def _examples(corrections: bool = True) -> tuple[tuple[str, str], ...]:
    """The shipped training set, plus the owner's corrections made before today (the
    shop's time zone): a correction teaches the model from the next night on, so the model
    changes once a day, not on every click. Without ``corrections``: the shipped set alone
    (what bench/support.py measures on the held-out set)."""
    shipped = _shipped(training_data.DATA_FILE.stat().st_mtime)
    if not corrections:
        return shipped
    midnight = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    return shipped + _corrections(midnight)


@functools.cache
def _version(examples: tuple[tuple[str, str], ...]) -> str:
    import sklearn

    digest = hashlib.sha256(f"{FEATURES_VERSION}:{sklearn.__version__}".encode())
    digest.update(json.dumps(examples, ensure_ascii=False).encode())
    return digest.hexdigest()[:12]


def build(examples) -> object:
    """A fitted pipeline for ``examples`` of (text, intent)."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import make_pipeline
    from sklearn.svm import LinearSVC

    model = make_pipeline(
        TfidfVectorizer(
            analyzer="char_wb", ngram_range=(1, 4), sublinear_tf=True, preprocessor=normalise
        ),
        CalibratedClassifierCV(LinearSVC(C=0.5), method="sigmoid", cv=4),
    )
    texts, labels = zip(*examples, strict=True)
    model.fit(list(texts), list(labels))
    return model


def _path(version: str) -> Path:
    return Path(settings.VAR_DIR) / "support" / f"intent-model-{version}.pickle"


def model(*, corrections: bool = True) -> tuple[object, str]:
    """The current model and its version: from memory, else var/, else trained now."""
    examples = _examples(corrections)
    version = _version(examples)
    with _lock:
        if version in _loaded:
            return _loaded[version], version
        path = _path(version)
        if path.exists():
            fitted = pickle.loads(path.read_bytes())  # noqa: S301 (our own file, see above)
        else:
            fitted = build(examples)
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_suffix(".partial")
            partial.write_bytes(pickle.dumps(fitted))
            partial.replace(path)  # atomic: another process never reads half a model
        if len(_loaded) > 2:
            _loaded.clear()
        _loaded[version] = fitted
        return fitted, version


def classify(text: str) -> Prediction:
    fitted, version = model()
    (probabilities,) = fitted.predict_proba([text])
    best = int(probabilities.argmax())
    return Prediction(
        intent=str(fitted.classes_[best]),
        confidence=round(float(probabilities[best]), 4),
        model_version=version,
    )


def classify_many(texts: list[str], *, corrections: bool = True) -> list[Prediction]:
    fitted, version = model(corrections=corrections)
    result = []
    for probabilities in fitted.predict_proba(texts):
        best = int(probabilities.argmax())
        result.append(
            Prediction(str(fitted.classes_[best]), round(float(probabilities[best]), 4), version)
        )
    return result
