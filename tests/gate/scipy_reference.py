#!/usr/bin/python3
"""Compare convoy_mann_whitney with scipy.stats.mannwhitneyu (scipy 1.10 defaults).

usage: scipy_reference.py MWU_TOOL [--seed N] [--verbose]

Generates seeded random sample pairs (sizes 3 to 5,000): asymptotic cases
with and without ties, exact cases with one side of at most 8 values, and
edge cases (infinities, total separation, every value tied). For every case
it computes U and the two-sided p-value with scipy.stats.mannwhitneyu(x, y)
and with Convoy (through MWU_TOOL, one process for all cases), and requires
U to be equal, the method to be scipy's, and p to agree to 1e-9 relative
(1e-12 absolute for tiny p).

scipy's exact method walks its recursion in pure Python: with the larger
sample above 500 values it takes minutes to hours per case. For those cases
(one side <= 8, the other 501 to 5,000, no ties) U still comes from scipy,
and the exact p-value from exact big-integer counting of the same
distribution (Gaussian binomial coefficients); that counting is checked
against scipy's exact p on every smaller exact case first.

When the combined sample holds both +inf and -inf, scipy 1.10 returns NaN
(rankdata detects NaN by summing, and inf + -inf is NaN); Convoy ranks the
infinities as the extreme values they are. For those cases scipy is given
the samples with +-inf replaced by +-1.7e308, which rank the same.

scipy is required: without it the script fails (it does not skip).
"""
import math
import os
import subprocess
import sys
import tempfile
from fractions import Fraction

try:
    import numpy as np
    import scipy
    from scipy.stats import mannwhitneyu
except ImportError as exc:  # pragma: no cover - the point is to fail loudly
    print(f"scipy_reference: FAIL: scipy is required ({exc}); "
          "install python3-scipy for /usr/bin/python3")
    sys.exit(1)

REL_TOL = 1e-9
ABS_TOL = 1e-12
SCIPY_EXACT_MAX = 500  # scipy's own exact path stays fast up to here


def scipy_method(x, y):
    """The method scipy's 'auto' picks (_mwu_choose_method)."""
    if len(x) > 8 and len(y) > 8:
        return "asymptotic"
    xy = np.concatenate([x, y])
    return "asymptotic" if len(np.unique(xy)) != len(xy) else "exact"


def finite_for_scipy(v):
    """+-inf -> +-1.7e308: same ranks, and no inf + -inf in rankdata's NaN check."""
    return np.where(np.isposinf(v), 1.7e308, np.where(np.isneginf(v), -1.7e308, v))


def exact_p(n1, n2, u):
    """Two-sided exact p: 2 P(U >= u) for u >= n1 n2 / 2, by exact counting."""
    m, n = min(n1, n2), max(n1, n2)
    k_max = m * n - int(u)
    c = [1] + [0] * k_max
    for i in range(1, m + 1):
        d = n + i
        for k in range(k_max, d - 1, -1):  # times (1 - q^(n+i))
            c[k] -= c[k - d]
        for k in range(i, k_max + 1):      # divided by (1 - q^i)
            c[k] += c[k - i]
    return float(min(Fraction(1), 2 * Fraction(sum(c), math.comb(m + n, m))))


def sizes(rng, lo, hi):
    """A size in [lo, hi], log-uniform so that small and large both occur."""
    return int(round(math.exp(rng.uniform(math.log(lo), math.log(hi)))))


def no_ties(rng, n, loc=0.0, scale=1.0):
    while True:
        v = rng.normal(loc, scale, n)
        if len(np.unique(v)) == n:
            return v


def make_cases(rng):
    cases = []  # (label, x, y)
    for i in range(110):  # asymptotic, continuous
        n1, n2 = sizes(rng, 9, 5000), sizes(rng, 9, 5000)
        shift = rng.choice([0.0, 0.05, 0.2, 1.0])
        cases.append(("asymptotic", rng.normal(shift, 1.0, n1), rng.normal(0.0, 1.0, n2)))
    for i in range(80):  # ties: small integer values, sizes 3..5000
        n1, n2 = sizes(rng, 3, 5000), sizes(rng, 3, 5000)
        levels = int(rng.choice([2, 3, 5, 20, 1000]))
        x = rng.integers(0, levels, n1).astype(float)
        y = rng.integers(0, levels, n2).astype(float) + float(rng.choice([0, 0, 1]))
        cases.append(("ties", x, y))
    for i in range(100):  # exact through scipy: one side 3..8, other 3..500
        m, n = int(rng.integers(3, 9)), sizes(rng, 3, SCIPY_EXACT_MAX)
        shift = rng.choice([0.0, 0.5, 1.5, 4.0])
        x, y = no_ties(rng, m, shift), no_ties(rng, n)
        if rng.random() < 0.5:
            x, y = y, x
        xy = np.concatenate([x, y])
        if len(np.unique(xy)) != len(xy):
            continue
        cases.append(("exact", x, y))
    for i in range(40):  # exact, larger side 501..5000: exact counting reference
        m, n = int(rng.integers(3, 9)), sizes(rng, SCIPY_EXACT_MAX + 1, 5000)
        shift = rng.choice([0.0, 0.3, 1.0, 3.0])
        x, y = no_ties(rng, m, shift), no_ties(rng, n)
        if rng.random() < 0.5:
            x, y = y, x
        xy = np.concatenate([x, y])
        if len(np.unique(xy)) != len(xy):
            continue
        cases.append(("exact-large", x, y))
    # edge cases
    inf = float("inf")
    edge = [
        ([19, 22, 16, 29, 24], [20, 11, 17, 12]),           # scipy's docstring example
        ([1.0], [2.0]),
        ([1.0, 2.0, 3.0], [4.0, 5.0, 6.0]),
        ([5.0] * 10, [5.0] * 12),                           # all tied: p = 1
        ([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0], [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0]),
        ([-inf, 0.0, 1.0, inf], [2.0, 3.0, 4.0]),
        ([inf, inf, 1.0], [inf, 2.0, -inf]),
        ([inf, 3.0, 1.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0], [inf, 2.0, 4.0, 5.0, 6.0, 13.0, 14.0, 15.0, 16.0]),
        ([-0.0, 1.0, 2.0], [0.0, 3.0, 4.0]),                # -0 ties +0
        (list(range(5000, 10000)), list(range(0, 5000))),   # total separation: p ~ 0
        (list(range(0, 8)), list(range(100, 5100))),        # exact, extreme
        (list(range(0, 3000)), list(range(1500, 4500))),
        ([1e-300, 2e-300, 3e-300], [1e300, 2e300]),
    ]
    for x, y in edge:
        cases.append(("edge", np.array(x, dtype=float), np.array(y, dtype=float)))
    return cases


def run_tool(tool, cases):
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
        path = f.name
        for _, x, y in cases:
            f.write(f"{len(x)} {len(y)}\n")
            f.write(" ".join(repr(float(v)) for v in x) + "\n")
            f.write(" ".join(repr(float(v)) for v in y) + "\n")
    try:
        out = subprocess.run([tool, path], capture_output=True, text=True, check=False)
    finally:
        os.unlink(path)
    if out.returncode != 0:
        print(f"scipy_reference: FAIL: {tool} exited {out.returncode}: {out.stderr.strip()}")
        sys.exit(1)
    lines = out.stdout.splitlines()
    if len(lines) != len(cases):
        print(f"scipy_reference: FAIL: {len(lines)} result lines for {len(cases)} cases")
        sys.exit(1)
    return lines


def close(a, b):
    if a == b:
        return True
    return abs(a - b) <= max(REL_TOL * abs(b), ABS_TOL)


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    tool = sys.argv[1]
    seed = 20240611
    verbose = "--verbose" in sys.argv
    if "--seed" in sys.argv:
        seed = int(sys.argv[sys.argv.index("--seed") + 1])
    rng = np.random.default_rng(seed)
    print(f"scipy {scipy.__version__}, numpy {np.__version__}, seed {seed}")
    cases = make_cases(rng)
    lines = run_tool(tool, cases)

    passed = failed = 0
    worst = 0.0
    checked_reference = 0
    kinds = {}
    for (label, x, y), line in zip(cases, lines):
        want_method = scipy_method(x, y)
        if label == "exact-large":
            u = float(mannwhitneyu(x, y, method="asymptotic").statistic)
            p = exact_p(len(x), len(y), max(u, len(x) * len(y) - u))
            source = "exact counting"
        else:
            both_inf = np.isposinf(np.concatenate([x, y])).any() and \
                np.isneginf(np.concatenate([x, y])).any()
            res = mannwhitneyu(finite_for_scipy(x), finite_for_scipy(y)) if both_inf \
                else mannwhitneyu(x, y)
            u, p = float(res.statistic), float(res.pvalue)
            source = "scipy"
            if want_method == "exact":
                ref = exact_p(len(x), len(y), max(u, len(x) * len(y) - u))
                checked_reference += 1
                if not close(ref, p):
                    print(f"scipy_reference: FAIL: exact counting gives {ref!r}, scipy {p!r} "
                          f"for n={len(x)},{len(y)} U={u}")
                    failed += 1
                    continue
        fields = line.split()
        problem = None
        if fields[0] == "error":
            problem = "convoy error: " + line
        else:
            cu, cp, cm = float(fields[0]), float(fields[1]), fields[2]
            if cu != u:
                problem = f"U {cu!r}, scipy {u!r}"
            elif cm != want_method:
                problem = f"method {cm}, scipy {want_method}"
            elif not close(cp, p):
                problem = f"p {cp!r}, {source} {p!r}"
            elif p != 0:
                worst = max(worst, abs(cp - p) / abs(p))
        kinds[label] = kinds.get(label, 0) + 1
        if problem:
            failed += 1
            print(f"FAIL [{label}] n={len(x)},{len(y)}: {problem}")
        else:
            passed += 1
            if verbose:
                print(f"ok [{label}] n={len(x)},{len(y)} U={u} p={p!r}")
    print("cases: " + ", ".join(f"{k} {v}" for k, v in kinds.items()) +
          f"; exact counting checked against scipy on {checked_reference} cases")
    print(f"largest relative p difference: {worst:.3g}")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed or passed == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
