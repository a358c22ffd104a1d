#!/usr/bin/env python3
"""Median decoding thresholds of the bundled codes in the protocol's rate-adapted frame layout.

For each code and punctured fraction F (of the code's puncturing candidates; the other modulated
bits shortened), bisects the efficiency f of the adapted code until half of the frames decode:
`qkdpp fer --punctured F` with the protocol's decoder (8-bit, box-plus or --rule min-sum) and
its per-round iteration budget. Prints "name fraction qber" lines, the format of
datasets/codes/adapted-thresholds-boxplus.txt (ring shortening) and
adapted-random-thresholds-boxplus.txt (--shorten random; for min-sum adapted-thresholds.txt and
adapted-random-thresholds.txt), which the protocol's first round reads (docs/protocol.md,
"First round").

  usage: tools/adapted_thresholds.py --qkdpp build/tools/qkdpp --family 20 > FILE
"""
import argparse
import json
import math
import os
import subprocess


def h2(q):
    return -q * math.log2(q) - (1 - q) * math.log2(1 - q)


def h2_inverse(y):
    lo, hi = 1e-12, 0.5
    for _ in range(100):
        mid = (lo + hi) / 2
        if h2(mid) < y:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def fer(args, code, fraction, qber, frames, max_iter):
    out = subprocess.run(
        [args.qkdpp, "fer", "--code", code, "--punctured", str(fraction), "--shorten", args.shorten,
         "--qber", "%.6f" % qber, "--decoder", "ms", "--precision", "8"]
        # Without --variant `qkdpp fer` decodes with the protocol's min-sum rule.
        + (["--variant", "boxplus"] if args.rule == "boxplus" else [])
        + ["--max-iter", str(max_iter), "--frames", str(frames), "--max-fe", str(frames), "--json"],
        capture_output=True, text=True, check=True).stdout
    return json.loads(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--qkdpp", default="build/tools/qkdpp")
    ap.add_argument("--family", type=int, choices=(16, 20), default=20)
    ap.add_argument("--rates", nargs="+",
                    default="044 050 055 060 066 070 074 078 080 082 085 088 090 091 092 094 096".split())
    ap.add_argument("--fractions", nargs="+", type=float, default=[0, 0.25, 0.5, 0.75, 1])
    ap.add_argument("--frames", type=int, help="frames per bisection step (default 16 for 2^20, "
                    "48 for 2^16)")
    ap.add_argument("--steps", type=int, default=7, help="bisection steps over f in [1, 1.35]")
    ap.add_argument("--max-iter", type=int, default=50,
                    help="decoder iterations (the protocol's first rounds: docs/protocol.md)")
    ap.add_argument("--shorten", choices=("ring", "random"), default="ring",
                    help="which bits are shortened (qkdpp fer --shorten; the protocol measures "
                    "both: adapted-thresholds-*.txt and adapted-random-thresholds-*.txt)")
    ap.add_argument("--rule", choices=("boxplus", "min-sum"), default="boxplus",
                    help="the decoder's check rule (files *-boxplus.txt and, for min-sum, "
                    "adapted-thresholds.txt / adapted-random-thresholds.txt)")
    a = ap.parse_args()
    frames = a.frames or (16 if a.family == 20 else 48)
    print("# Median thresholds (half the frames decode) of the rate-adapted codes: name, punctured")
    print("# fraction of the puncturing candidates, QBER. 8-bit %s, %d iterations, %d frames"
          % (a.rule, a.max_iter, frames))
    print("# per step, %d bisection steps on f; tools/adapted_thresholds.py --family %d%s%s."
          % (a.steps, a.family, "" if a.shorten == "ring" else " --shorten " + a.shorten,
             "" if a.rule == "boxplus" else " --rule " + a.rule))
    # Where `qkdpp fer --code NAME` finds the bundled codes.
    codes_dir = os.path.join(os.environ.get("QKDPP_DATA_DIR") or os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "datasets"), "codes")
    for r in a.rates:
        code = "qkdpp-n%d-r%s" % (a.family, r)
        if not os.path.exists(os.path.join(codes_dir, code + ".qc")):
            continue  # not every rate exists in both lengths (rate 0.91: 2^20 only)
        for fraction in a.fractions:
            rate = fer(a, code, fraction, 0.3, 1, 1)["effective_rate"]
            lo, hi = 1.0, 1.35
            for _ in range(a.steps):
                f = (lo + hi) / 2
                point = fer(a, code, fraction, h2_inverse((1 - rate) / f), frames,
                            a.max_iter)["points"][0]
                if point["fer"] > 0.5:
                    lo = f
                else:
                    hi = f
            print("%s %.2f %.5f" % (code, fraction, h2_inverse((1 - rate) / ((lo + hi) / 2))),
                  flush=True)


if __name__ == "__main__":
    main()
