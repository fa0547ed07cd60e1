"""Recommendations, evaluated offline on the demo shop: hold out each repeat customer's last
order, count the associations on everything else, recommend 5 items to each of those customers
from their earlier orders, and see whether the held-out order holds one of them (hit rate@5);
coverage is the share of the catalogue recommended to anyone. Compared with the popularity
baseline (the 5 best sellers of the last 90 days the customer does not already own).

Both sides use the code the shop runs (soloops.marketing.associations): the same baskets,
minimum support, rules with lift above 1, noisy-or ranking and popularity fill. Items the
customer already owned are never recommended, so a held-out order counts only for what is new
in it; customers whose last order brought nothing new are left out (no recommender could hit
them). The demo shop is planned in memory (soloops.demo.plan, the generator ``soloops demo``
loads), not written to a database. Prints figures; asserts nothing. Usage:

    .venv/bin/python bench/recommend.py [--orders 3000] [--seeds 1,2,3] [--no-affinity]

``--recount`` instead times the nightly recount and the selectors on the shop in
``DATABASE_URL`` (load one first: ``soloops demo-data --orders 3000``); it replaces that shop's
association counts, as the nightly flow would.
"""

import argparse
import os
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "soloops.settings")

K = 5
RECENT = timedelta(days=90)
NOT_COUNTED = ("rejected", "cancelled")


def split(plan):
    """(training order baskets, {customer: (earlier items, new items of the last order)})."""
    by_customer: dict[str, list] = {}
    for order in sorted(plan.orders, key=lambda o: o.placed_at):
        if order.status not in NOT_COUNTED:
            by_customer.setdefault(order.customer.email, []).append(order)
    train, held = [], {}
    for email, orders in by_customer.items():
        if len(orders) >= 2:
            *earlier, last = orders
            owned = {i for o in earlier for i, _ in o.lines}
            held[email] = (owned, {i for i, _ in last.lines} - owned)
        else:
            earlier = orders
        train += [(email, o) for o in earlier]
    return train, {e: h for e, h in held.items() if h[1]}


def popularity(train, now) -> list[int]:
    recent, total = Counter(), Counter()
    for _, order in train:
        items = {i for i, _ in order.lines}
        total.update(items)
        if order.placed_at >= now - RECENT:
            recent.update(items)
    return sorted(total, key=lambda i: (-recent[i], -total[i], i))


def rules_for(train):
    from soloops.marketing.associations import baskets_count, kept_pairs, rule_make

    customers: dict[str, set] = {}
    orders = []
    for email, order in train:
        basket = {i for i, _ in order.lines}
        orders.append(basket)
        customers.setdefault(email, set()).update(basket)
    rules: dict[int, list] = {}
    for kind, baskets in (("order", orders), ("customer", customers.values())):
        counts = baskets_count(baskets)
        for (a, b), both in kept_pairs(counts).items():
            rules.setdefault(a, []).append(
                rule_make(
                    antecedent=a,
                    consequent=b,
                    kind=kind,
                    both=both,
                    a=counts.items[a],
                    b=counts.items[b],
                    total=counts.total,
                )
            )
    return rules


def evaluate(orders: int, seed: int) -> tuple[float, float, float, float, int, int]:
    from soloops.demo.plan import plan_demo
    from soloops.marketing.associations import rules_rank

    plan = plan_demo(orders=orders, seed=seed)
    catalogue = len(plan.variants)
    train, held = split(plan)
    popular = popularity(train, plan.now)
    rules = rules_for(train)
    hits = {"associations": 0, "popularity": 0}
    shown: dict[str, set] = {"associations": set(), "popularity": set()}
    for owned, new in held.values():
        baseline = [i for i in popular if i not in owned][:K]
        ranked = [
            s.variant_id
            for s in rules_rank([r for a in owned for r in rules.get(a, [])], exclude=owned)
        ]
        ours = (ranked + [i for i in popular if i not in owned and i not in ranked])[:K]
        for name, picks in (("associations", ours), ("popularity", baseline)):
            hits[name] += bool(new & set(picks))
            shown[name].update(picks)
    n = len(held)
    return (
        hits["associations"] / n,
        hits["popularity"] / n,
        len(shown["associations"]) / catalogue,
        len(shown["popularity"]) / catalogue,
        n,
        len(train),
    )


def recount() -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from soloops.accounts.actors import Actor
    from soloops.customers.selectors import customers_all
    from soloops.events.catalogue import event_types
    from soloops.marketing.selectors import bought_together, recommendations_for_customer
    from soloops.marketing.services import recommendations_recompute

    event_types()  # imports every app's events once, as a running worker already has
    started = time.perf_counter()
    run = recommendations_recompute(actor=Actor.system("bench"))
    seconds = time.perf_counter() - started
    print(
        f"recount ({connection.vendor}): {run.orders:,} orders, {run.customers:,} customers, "
        f"{run.pairs:,} pair rows kept in {seconds:.2f} s"
    )
    ids = list(customers_all().order_by("pk").values_list("pk", flat=True)[:200])
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        for customer_id in ids:
            recommendations_for_customer(customer_id, limit=4)
        seconds = time.perf_counter() - started
    print(
        f"recommendations_for_customer: {len(ids)} customers, "
        f"{1000 * seconds / max(len(ids), 1):.1f} ms and "
        f"{len(queries) / max(len(ids), 1):.1f} queries each"
    )
    found = recommendations_for_customer(ids[0], limit=1) if ids else []
    if found:
        started = time.perf_counter()
        for _ in range(100):
            bought_together(found[0].variant_id, limit=4)
        print(f"bought_together: {10 * (time.perf_counter() - started):.1f} ms each")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=3000, help="demo shop size (default 3000)")
    parser.add_argument("--seeds", default="1,2,3", help="demo seeds (default 1,2,3)")
    parser.add_argument(
        "--no-affinity",
        action="store_true",
        help="draw every line independently by popularity (the generator before tastes and "
        "companions): what any recommender gets from a shop without co-purchase structure",
    )
    parser.add_argument("--recount", action="store_true", help="time the nightly recount")
    args = parser.parse_args()
    import django

    django.setup()
    if args.recount:
        recount()
        return
    if args.no_affinity:
        from soloops.demo import baskets

        baskets.TASTE_BOOST, baskets.COMPANION_SHARE, baskets.FOLLOW_UP_SHARE = 1.0, 0.0, 0.0
    print(f"hold-out of each repeat customer's last order, demo shop of {args.orders:,} orders")
    print(
        f"{'seed':>4} {'customers':>9} {'train':>6}  {'hit@5 ours':>10} {'popular':>8} "
        f"{'ratio':>6}  {'coverage ours':>13} {'popular':>8}  seconds"
    )
    rows = []
    for seed in (int(s) for s in args.seeds.split(",")):
        started = time.perf_counter()
        ours, base, cov, cov_base, n, train = evaluate(args.orders, seed)
        rows.append((ours, base, cov, cov_base))
        ratio = ours / base if base else float("inf")
        print(
            f"{seed:>4} {n:>9,} {train:>6,}  {ours:>10.3f} {base:>8.3f} {ratio:>5.2f}x  "
            f"{cov:>13.2f} {cov_base:>8.2f}  {time.perf_counter() - started:.1f}"
        )
    ours, base, cov, cov_base = (sum(col) / len(rows) for col in zip(*rows, strict=True))
    print(
        f"mean {'':>9} {'':>6}  {ours:>10.3f} {base:>8.3f} {ours / base:>5.2f}x  "
        f"{cov:>13.2f} {cov_base:>8.2f}"
    )


if __name__ == "__main__":
    main()
