"""Lifetime value: fit time and peak memory of BG/NBD + Gamma-Gamma for 25,000 and 250,000
customers, and the calibration check on a generated history with known parameters (fit on
the first 550 days, predict the next 180, compare with what the customers did).

The history is drawn from the model itself (soloops.customers.ltv.simulate), so the fit's
parameters can be compared with the true ones. Prints figures; asserts nothing. Usage:

    .venv/bin/python bench/customers.py [--sizes 25000,250000] [--seed 1]
"""

import argparse
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from soloops.customers import ltv

TRUE = ltv.BgNbd(r=0.6, alpha=40.0, a=0.8, b=3.0)
SPAN, UNTIL = 730.0, 550.0
GROUPS = (("0", 0, 0), ("1", 1, 1), ("2", 2, 2), ("3-5", 3, 5), ("6+", 6, 10**9))


def measure(n: int, seed: int) -> None:
    started = time.perf_counter()
    who, when = ltv.simulate(TRUE, n, span=SPAN, seed=seed)
    generated = time.perf_counter() - started
    x, t_x, T, after, _known = ltv.summarise(who, when, until=SPAN, n=n)
    rng = np.random.default_rng(seed)
    mean = rng.gamma(6.0, 1 / rng.gamma(4.0, 1 / 15.0, len(x)))

    tracemalloc.start()
    started = time.perf_counter()
    bg = ltv.bgnbd_fit(x, t_x, T)
    gg = ltv.gamma_gamma_fit(x + 1, mean)
    values = ltv.expected_purchases(bg, 90, x, t_x, T) * ltv.expected_order_value(gg, x + 1, mean)
    seconds = time.perf_counter() - started
    _now, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"{n:>8,} customers ({len(who):,} orders, drawn in {generated:.1f} s): "
        f"fit + predict {seconds:.2f} s, peak {peak / 2**20:.1f} MiB; "
        f"r={bg.r:.3f} alpha={bg.alpha:.1f} a={bg.a:.3f} b={bg.b:.3f} "
        f"(true {TRUE.r}, {TRUE.alpha}, {TRUE.a}, {TRUE.b}); "
        f"90-day value total {values.sum():,.0f}"
    )

    x, t_x, T, after, _known = ltv.summarise(who, when, until=UNTIL, n=n)
    model = ltv.bgnbd_fit(x, t_x, T)
    predicted = ltv.expected_purchases(model, SPAN - UNTIL, x, t_x, T)
    print(f"  calibration: fit before day {UNTIL:.0f}, next {SPAN - UNTIL:.0f} days")
    print(f"  {'repeat orders before':>22} {'customers':>10} {'predicted':>10} {'actual':>8}")
    for label, lo, hi in GROUPS:
        mask = (x >= lo) & (x <= hi)
        print(
            f"  {label:>22} {int(mask.sum()):>10} {predicted[mask].sum():>10.1f}"
            f" {int(after[mask].sum()):>8}"
        )
    error = (predicted.sum() - after.sum()) / after.sum() * 100
    print(f"  {'total':>22} {len(x):>10} {predicted.sum():>10.1f} {int(after.sum()):>8}"
          f"   predicted vs actual {error:+.1f} %")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="25000,250000")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    for size in (int(s) for s in args.sizes.split(",")):
        measure(size, args.seed)


if __name__ == "__main__":
    main()
