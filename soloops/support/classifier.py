"""The intent classifier: TF-IDF over character n-grams (Chinese needs no word segmenter, and
typos change only a few n-grams) and over words and word pairs, and a linear SVM whose scores
are calibrated by temperature scaling, fitted on folds that never split a template, so that
a confidence of 0.9 is right about nine times in ten on phrasings the model has not seen.
Local, CPU-only, trained in a few seconds.

Each intent gets its own auto-reply threshold, learnt by grouped cross-validation on the
training messages (each fold's model never saw the templates it is judged on): the lowest
confidence from which the model's answers for that intent are right at least
``TARGET_PRECISION`` of the time (``thresholds``). The owner may override it per intent
(Settings → Support replies). The held-out messages are never trained or tuned on.

It learns from the shipped training set (``training_data``: its training and validation
parts, the held-out part left out) plus the owner's corrections made before today. It is
trained at install and start-up (``soloops support train``, run by ``soloops migrate`` and
nightly), else on first use, and kept under ``var/support/`` by its version: the hash of
what it learnt from and of the scikit-learn version, so a changed training set or library
trains a new model and each decision records the version that made it. The file is our own,
written by this module into var/ (pickle is only safe for files one wrote oneself).
"""

import functools
import hashlib
import json
import logging
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
FEATURES_VERSION = 5
TARGET_PRECISION = 0.95  # of automatic decisions per intent, in cross-validation
MIN_SUPPORT = 8  # cross-validated answers above a threshold needed to trust its precision
FOLDS = 4
WORD = r"(?u)\b\w+\b"  # one-letter words too ("a", "i")
logger = logging.getLogger(__name__)
_lock = threading.Lock()
_loaded: dict[str, "Trained"] = {}


@dataclass(frozen=True)
class Prediction:
    intent: str
    confidence: float  # the calibrated probability of ``intent``
    model_version: str


def normalise(text: str) -> str:
    """What the model reads: lower case, order numbers as one token, spaces collapsed."""
    text = ORDER_NUMBER.sub(" ordernumber ", text or "")
    return " ".join(text.lower().split())


@dataclass
class Trained:
    """What ``build`` makes and var/ keeps: the pipeline and its per-intent thresholds."""

    pipeline: object
    thresholds: dict[str, float | None]  # None: never precise enough to act alone


@functools.cache
def _shipped(_stamp: float) -> tuple[tuple[str, str, str], ...]:
    rows = training_data.load("train") + training_data.load("validation")
    return tuple((r["text"], r["intent"], r["template"]) for r in rows)


@functools.lru_cache(maxsize=2)
def _corrections(before: datetime) -> tuple[tuple[str, str, str], ...]:
    from soloops.support.models import Message

    rows = Message.objects.filter(corrected_at__lt=before).order_by("pk")
    # Each correction is its own calibration group: the owner wrote it, no template did.
    return tuple(
        (b, i, f"owner/{pk}") for pk, b, i in rows.values_list("pk", "body", "corrected_intent")
    )


def _examples(corrections: bool = True) -> tuple[tuple[str, str, str], ...]:
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
def _version(examples: tuple[tuple[str, str, str], ...]) -> str:
    import sklearn

    digest = hashlib.sha256(f"{FEATURES_VERSION}:{sklearn.__version__}".encode())
    digest.update(json.dumps(examples, ensure_ascii=False).encode())
    return digest.hexdigest()[:12]


def _features():
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import make_union

    return make_union(
        TfidfVectorizer(
            analyzer="char_wb", ngram_range=(1, 3), sublinear_tf=True, preprocessor=normalise
        ),
        TfidfVectorizer(
            analyzer="word",
            ngram_range=(1, 2),
            sublinear_tf=True,
            preprocessor=normalise,
            token_pattern=WORD,
        ),
    )


def _fit(examples):
    """A fitted, calibrated pipeline for ``examples`` of (text, intent, group).

    Calibration folds are grouped (a template's messages are all in one fold), so the
    temperature is fitted on phrasings the fold's model never saw, as in real use."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.model_selection import GroupKFold
    from sklearn.pipeline import make_pipeline
    from sklearn.svm import LinearSVC

    texts, labels, groups = (list(column) for column in zip(*examples, strict=True))
    folds = list(GroupKFold(n_splits=FOLDS).split(texts, labels, groups))
    pipeline = make_pipeline(
        _features(), CalibratedClassifierCV(LinearSVC(C=1.0), method="temperature", cv=folds)
    )
    return pipeline.fit(texts, labels)


def _cross_validated(examples) -> list[tuple[str, float, str]]:
    """(intent said, confidence, true intent) for every example, in their order, each said by
    a model fitted on the other folds (grouped: never on the example's own template)."""
    from sklearn.model_selection import GroupKFold

    groups = [group for _text, _intent, group in examples]
    decided: list = [None] * len(examples)
    for kept, held in GroupKFold(n_splits=FOLDS).split(examples, groups=groups):
        pipeline = _fit([examples[k] for k in kept])
        probabilities = pipeline.predict_proba([examples[h][0] for h in held])
        for h, p in zip(held, probabilities, strict=True):
            best = int(p.argmax())
            decided[h] = (str(pipeline.classes_[best]), float(p[best]), examples[h][1])
    return decided


def build(examples) -> Trained:
    """A pipeline fitted on all ``examples`` of (text, intent, group), with the per-intent
    thresholds that cross-validation on the same examples gives (``thresholds``)."""
    return Trained(_fit(examples), thresholds(_cross_validated(list(examples))))


def thresholds(decided) -> dict[str, float | None]:
    """Per intent, the lowest confidence at which the answers from there up are right at
    least TARGET_PRECISION of the time, resting on at least MIN_SUPPORT of them.

    ``decided``: (intent said, confidence, true intent) per message, each said by a model
    that never saw its template (``_cross_validated``)."""
    from soloops.support.intents import INTENTS

    chosen: dict[str, float | None] = {}
    for intent in INTENTS:
        ranked = sorted(((c, truth == intent) for said, c, truth in decided if said == intent),
                        reverse=True)  # fmt: skip
        right, best = 0, None
        for n, (confidence, ok) in enumerate(ranked, start=1):
            right += ok
            if n >= MIN_SUPPORT and right / n >= TARGET_PRECISION:
                best = confidence
        chosen[intent] = None if best is None else round(best, 4)
    return chosen


def model_path(version: str) -> Path:
    """Where var/ keeps the model of ``version``."""
    return Path(settings.VAR_DIR) / "support" / f"intent-model-{version}.pickle"


def shipped_version() -> str:
    """The version of the model trained on the shipped examples alone (a shop without
    corrections uses it)."""
    return _version(_examples(corrections=False))


def _newest_on_disk() -> tuple[Trained, str] | None:
    """The most recently written model in var/, and its version (None: none yet, or it cannot
    be read, e.g. written by an older scikit-learn)."""
    found = sorted(
        model_path("*").parent.glob(model_path("*").name), key=lambda p: p.stat().st_mtime
    )
    if not found:
        return None
    version = found[-1].stem.removeprefix("intent-model-")
    if version not in _loaded:
        try:
            _loaded[version] = pickle.loads(found[-1].read_bytes())  # noqa: S301 (our own)
        except Exception:
            logger.warning("support model %s in var/ cannot be read; training", version)
            return None
    return _loaded[version], version


def ready(*, corrections: bool = True) -> bool:
    """Whether the current model is trained (in memory or in var/)."""
    version = _version(_examples(corrections))
    return version in _loaded or model_path(version).exists()


def trained(*, corrections: bool = True, train: bool = True) -> tuple[Trained, str]:
    """The current model and its version: from memory, else var/, else trained now. Without
    ``train`` (web requests: training takes seconds), the newest model in var/ stands in for
    a current one not trained yet (the scheduler hands its training to a worker); only when
    there is none at all is one trained here."""
    examples = _examples(corrections)
    version = _version(examples)
    with _lock:
        if version in _loaded:
            return _loaded[version], version
        path = model_path(version)
        if path.exists():
            fitted = pickle.loads(path.read_bytes())  # noqa: S301 (our own file, see above)
        elif not train and (newest := _newest_on_disk()) is not None:
            return newest
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


def model(*, corrections: bool = True, train: bool = True) -> tuple[object, str]:
    """The current fitted pipeline (``predict_proba``, ``classes_``) and its version."""
    fitted, version = trained(corrections=corrections, train=train)
    return fitted.pipeline, version


def learnt_thresholds(*, corrections: bool = True, train: bool = True) -> dict[str, float | None]:
    """The current model's per-intent auto-reply thresholds (see ``thresholds``)."""
    return trained(corrections=corrections, train=train)[0].thresholds


def classify(text: str) -> Prediction:
    """What ``text`` asks; never trains when a model is on disk (it runs in web requests)."""
    fitted, version = model(train=False)
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
