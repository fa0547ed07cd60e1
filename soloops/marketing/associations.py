"""Item-item association rules from baskets: the maths behind the recommendations, pure Python
so the service, the bench and the tests share it.

A basket is a set of variant ids: one order's lines ("bought together") or everything one
customer ever bought ("customers who bought this also bought"). For a rule A → B over N baskets
of a kind, with n(A) baskets holding A and n(A, B) holding both:

- support    = n(A, B) / N             how common the pair is
- confidence = n(A, B) / n(A)          how often a basket with A also holds B
- lift       = n(A, B) · N / (n(A) · n(B))   confidence against B's own rate; > 1: they attract

Only pairs in at least ``min_pair_baskets(N)`` baskets are kept (the minimum support), and only
rules with lift above 1 recommend anything: a popular item that merely co-occurs by chance is
the popularity fallback's job, not an association's.
"""

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import combinations

MIN_PAIR_BASKETS = 2  # never a rule from one basket, however small the shop
MIN_SUPPORT = 0.0005  # and at least 0.05 % of the baskets on a large one
MIN_LIFT = 1.0


def min_pair_baskets(total: int) -> int:
    """The fewest baskets a pair must share to be kept (the minimum support as a count)."""
    return max(MIN_PAIR_BASKETS, math.ceil(MIN_SUPPORT * total))


@dataclass
class Counts:
    """Basket counts of one kind: ``total`` baskets, ``items[v]`` holding v, ``pairs[(a, b)]``
    holding both (a < b; each pair once)."""

    total: int
    items: Counter
    pairs: Counter


def baskets_count(baskets: Iterable[Iterable[int]]) -> Counts:
    items: Counter = Counter()
    pairs: Counter = Counter()
    total = 0
    for basket in baskets:
        distinct = sorted(set(basket))
        if not distinct:
            continue
        total += 1
        items.update(distinct)
        pairs.update(combinations(distinct, 2))
    return Counts(total=total, items=items, pairs=pairs)


def kept_pairs(counts: Counts) -> dict[tuple[int, int], int]:
    """Every kept pair both ways round ((a, b) and (b, a)), with its basket count."""
    floor = min_pair_baskets(counts.total)
    kept = {}
    for (a, b), n in counts.pairs.items():
        if n >= floor:
            kept[(a, b)] = n
            kept[(b, a)] = n
    return kept


@dataclass(frozen=True)
class Rule:
    antecedent: int
    consequent: int
    kind: str  # "order" or "customer"
    support: float
    confidence: float
    lift: float


def rule_make(
    *, antecedent: int, consequent: int, kind: str, both: int, a: int, b: int, total: int
) -> Rule:
    """The rule antecedent → consequent from its counts (``both`` baskets hold the two,
    ``a`` and ``b`` each one, of ``total``)."""
    return Rule(
        antecedent=antecedent,
        consequent=consequent,
        kind=kind,
        support=both / total,
        confidence=both / a,
        lift=both * total / (a * b),
    )


@dataclass(frozen=True)
class Scored:
    variant_id: int
    score: float
    kind: str  # the kind of the strongest rule behind it


def rules_rank(rules: Iterable[Rule], *, exclude: set[int]) -> list[Scored]:
    """Candidates from the rules that fire (lift > 1), best first. Several rules for the same
    item combine as a noisy-or of their confidences — the chance at least one of them holds —
    so an item that goes with several things the customer has beats one that goes with one."""
    miss: dict[int, float] = {}
    strongest: dict[int, Rule] = {}
    for rule in rules:
        if rule.lift <= MIN_LIFT or rule.consequent in exclude:
            continue
        c = rule.consequent
        miss[c] = miss.get(c, 1.0) * (1.0 - rule.confidence)
        if c not in strongest or rule.confidence > strongest[c].confidence:
            strongest[c] = rule
    scored = [Scored(c, 1.0 - m, strongest[c].kind) for c, m in miss.items()]
    scored.sort(key=lambda s: (-s.score, s.variant_id))
    return scored
