#!/usr/bin/env python3
"""Degree-profile search for `qkdpp codegen` by simulated decoding (docs/codes.md).

For each rate, builds candidate codes (`qkdpp codegen --profile`) at a short length, measures the
frame error rate of the protocol's decoder (8-bit, offset min-sum or --variant) over a ladder of QBERs with
`qkdpp fer --json`, and ranks the candidates by the efficiency f at which the FER crosses 1/2
(interpolated in f between ladder points). Stage 1 scans one heavy class (degree x share);
stage 2 adds a second class to the best few. Deterministic: codegen and fer seeds are fixed.

    usage: tools/search_profiles.py [--qkdpp build/tools/qkdpp] [--rates 0.6,0.7] [--bits 65536]
    prints one line per candidate and, per rate, the winner as a --profile string.
"""
import argparse
import json
import math
import os
import subprocess
import sys
import tempfile


def h2(p):
    return -p * math.log2(p) - (1 - p) * math.log2(1 - p)


def qber_for_f(rate, f):
    """The QBER p with (1 - rate) = f h2(p), p < 1/2 (bisection)."""
    target, lo, hi = (1 - rate) / f, 1e-9, 0.5
    for _ in range(100):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if h2(mid) < target else (lo, mid)
    return (lo + hi) / 2


def crossing_f(rate, points):
    """Efficiency f where the FER crosses 1/2, interpolated between the ladder points."""
    pts = sorted(((1 - rate) / h2(p["qber"]), p["fer"]) for p in points)  # ascending f
    # Above the crossing (large f) frames decode; walk down in f until the FER exceeds 1/2.
    for (f0, e0), (f1, e1) in zip(reversed(pts[:-1]), reversed(pts[1:])):
        if e1 <= 0.5 < e0:
            return f1 + (f0 - f1) * (0.5 - e1) / (e0 - e1) if e0 != e1 else f1
    return pts[-1][0] if pts[-1][1] > 0.5 else pts[0][0]


def evaluate(args, rate, base_cols, profile, tmp):
    code = os.path.join(tmp, "candidate.qc")
    cmd = [args.qkdpp, "codegen", "--rate", str(rate), "--base-cols", str(base_cols), "--bits",
           str(args.bits), "--seed", str(args.seed), "--profile", profile, "-o", code]
    if subprocess.run(cmd, capture_output=True).returncode != 0:
        return None
    # Walk down in f (up in QBER) until frames mostly fail: the crossing lies in the last step.
    points = []
    f = args.f_start
    while f > 1.0:
        out = subprocess.run(
            [args.qkdpp, "fer", "--code", code, "--precision", "8", "--frames", str(args.frames),
             "--max-fe", str(args.max_fe), "--max-iter", str(args.max_iter), "--seed", "7",
             "--json", "--qber", f"{qber_for_f(rate, f):.6f}"]
            + (["--variant", args.variant] if args.variant else []),
            capture_output=True, text=True, check=True).stdout
        result = json.loads(out)
        points += result["points"]
        if points[-1]["fer"] >= 0.75:
            break
        f -= 0.03
    return crossing_f(result["rate"], points)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--qkdpp", default=os.path.join(os.path.dirname(__file__), "..", "build",
                                                        "tools", "qkdpp"))
    parser.add_argument("--rates", default="0.50,0.60,0.70,0.78,0.85,0.90,0.94,0.96")
    parser.add_argument("--bits", type=int, default=65536)
    parser.add_argument("--seed", type=int, default=20261128)
    parser.add_argument("--frames", type=int, default=24)
    parser.add_argument("--max-fe", type=int, default=8)
    parser.add_argument("--max-iter", type=int, default=100)
    parser.add_argument("--f-start", type=float, default=1.50, help="top of the f ladder")
    parser.add_argument("--variant", default="",
                        help="`qkdpp fer --variant` (default: its min-sum rule for the code; "
                        "boxplus: the protocol's default rule)")
    parser.add_argument("--degrees", default="6,8,10,12,16,20", help="heavy-class degrees")
    parser.add_argument("--shares", default="0.10,0.16,0.22,0.28",
                        help="heavy-class shares of the base columns")
    args = parser.parse_args()
    degrees = [int(d) for d in args.degrees.split(",")]
    shares = [float(x) for x in args.shares.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        for rate in (float(r) for r in args.rates.split(",")):
            base_cols = 256 if rate >= 0.93 else 128
            scored = []

            def score(profile):
                f = evaluate(args, rate, base_cols, profile, tmp)
                if f is not None:
                    scored.append((f, profile))
                    print(f"rate {rate} {profile:>24} f {f:.4f}", flush=True)

            for d in degrees:
                for s in shares:
                    score(f"{d}:{s}")
            # Stage 2: a second class of medium columns beside the best single-class profiles.
            for _, best in sorted(scored)[:2]:
                heavy_degree = int(best.split(":")[0])
                for d2 in (4, 5, 6):
                    for s2 in (0.05, 0.10):
                        if d2 < heavy_degree:
                            score(f"{best},{d2}:{s2}")
            scored.sort()
            print(f"best rate {rate} --profile {scored[0][1]} f {scored[0][0]:.4f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
