"""The association maths on fixed baskets, worked out by hand."""

import pytest

from soloops.marketing.associations import (
    baskets_count,
    kept_pairs,
    min_pair_baskets,
    rule_make,
    rules_rank,
)

# 10 baskets: 1 and 2 go together (4 of the 5 with 1 hold 2); 3 is in everything.
BASKETS = [
    {1, 2, 3},
    {1, 2, 3},
    {1, 2, 3},
    {1, 2},
    {1, 3},
    {2, 3},
    {3, 4},
    {3, 4},
    {3},
    {3, 5},
]


def test_counts_items_pairs_and_baskets():
    # when
    counts = baskets_count([*BASKETS, set()])

    # then: the empty basket is no basket
    assert counts.total == 10
    assert counts.items == {1: 5, 2: 5, 3: 9, 4: 2, 5: 1}
    assert counts.pairs[(1, 2)] == 4
    assert counts.pairs[(1, 3)] == 4
    assert counts.pairs[(2, 3)] == 4
    assert counts.pairs[(3, 4)] == 2
    assert counts.pairs[(3, 5)] == 1


def test_a_repeated_item_counts_once_per_basket():
    counts = baskets_count([[7, 7, 8], [7]])
    assert counts.items == {7: 2, 8: 1}
    assert counts.pairs == {(7, 8): 1}


def test_pairs_below_the_minimum_support_are_dropped_and_kept_ones_go_both_ways():
    # when
    kept = kept_pairs(baskets_count(BASKETS))

    # then: (3, 5) is in one basket only
    assert (3, 5) not in kept and (5, 3) not in kept
    assert kept[(1, 2)] == kept[(2, 1)] == 4
    assert kept[(4, 3)] == 2


def test_the_minimum_support_grows_with_the_shop():
    assert min_pair_baskets(10) == 2
    assert min_pair_baskets(4000) == 2
    assert min_pair_baskets(10_000) == 5
    assert min_pair_baskets(100_001) == 51


def test_support_confidence_and_lift_by_hand():
    counts = baskets_count(BASKETS)

    # when: 1 -> 2 (4 of 10 baskets hold both; 5 hold 1; 5 hold 2)
    rule = rule_make(antecedent=1, consequent=2, kind="order", both=4, a=5, b=5, total=counts.total)

    # then
    assert rule.support == pytest.approx(0.4)
    assert rule.confidence == pytest.approx(0.8)
    assert rule.lift == pytest.approx(0.8 / 0.5)

    # and 1 -> 3: confident (0.8) but 3 is in 9 of 10 baskets anyway: lift 0.89 < 1
    to_three = rule_make(antecedent=1, consequent=3, kind="order", both=4, a=5, b=9, total=10)
    assert to_three.confidence == pytest.approx(0.8)
    assert to_three.lift == pytest.approx(0.8 / 0.9)


def test_ranking_drops_rules_without_lift_and_combines_the_rest():
    # given: the customer has 1 and 4
    rules = [
        rule_make(antecedent=1, consequent=2, kind="order", both=4, a=5, b=5, total=10),
        rule_make(antecedent=1, consequent=3, kind="order", both=4, a=5, b=9, total=10),
        # customer baskets: 2 of 10 customers have 4, 4 have 2, one of them both (lift 1.25)
        rule_make(antecedent=4, consequent=2, kind="customer", both=1, a=2, b=4, total=10),
        rule_make(antecedent=4, consequent=1, kind="customer", both=1, a=2, b=4, total=10),
    ]

    # when
    ranked = rules_rank(rules, exclude={1, 4})

    # then: 3 has no lift; 1 is owned; 2 from two rules: 1 - (1 - 0.8)(1 - 0.5) = 0.9
    assert [s.variant_id for s in ranked] == [2]
    assert ranked[0].score == pytest.approx(0.9)
    assert ranked[0].kind == "order"  # the stronger rule's kind
