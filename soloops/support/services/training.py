"""The intent classifier's training, kept out of web requests: ``soloops init`` and
``soloops demo-data`` train it (``classifier_train``), and the scheduler hands a worker the
training of a model that is due (``classifier_train_due``): the owner's corrections of the
day before are learnt from after midnight, and a new training set or scikit-learn after an
upgrade. Until the new model is written, the newest one in var/ answers.

No database write and no event: the model is a file in var/ named by its version, and each
decision records the version that made it."""

import logging
import time

from django.conf import settings
from django.core.cache import cache

from soloops.support import classifier

logger = logging.getLogger(__name__)
TRAINING_SECONDS = 600  # one training handed out at a time, again after this if it was lost


def classifier_train() -> tuple[str, float]:
    """Train the current model unless it is in var/ already; its version and the seconds it
    took (0 when it was there)."""
    started = time.perf_counter()
    was_ready = classifier.ready()
    _fitted, version = classifier.trained()
    seconds = 0.0 if was_ready else time.perf_counter() - started
    if not was_ready:
        logger.info("support classifier %s trained in %.1f s", version, seconds)
    return version, seconds


def classifier_train_due() -> bool:
    """Hand the current model's training to a worker when it is not in var/ yet (the
    scheduler calls this on each tick; the cache gate is shared by every scheduler)."""
    if not settings.SUPPORT_CLASSIFIER_TRAIN or classifier.ready():
        return False
    if not cache.add("soloops:support:train", 1, timeout=TRAINING_SECONDS):
        return False
    from soloops.support.tasks import train_classifier

    try:
        train_classifier.enqueue()
    except Exception:
        logger.exception("could not enqueue the classifier's training; the next tick will")
        cache.delete("soloops:support:train")
        return False
    return True
