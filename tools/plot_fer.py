#!/usr/bin/python3
"""Plot the FER curves of tools/fer_family.sh and print the docs table.

For every code and decoder: the QBER where the FER crosses TARGET (log-FER interpolated
between the two points around it), the efficiency f = M / (N h2(q)) there, and for min-sum the
efficiency cost against bp at the same FER when bp results exist.

usage: tools/plot_fer.py RESULTS_DIR OUT_PREFIX [TARGET=0.1] [THRESHOLDS_OUT [DECODER=ms8]]
       writes OUT_PREFIX-n16.png and OUT_PREFIX-n20.png, prints a Markdown table, and with
       THRESHOLDS_OUT writes DECODER's crossings as "name qber" lines (datasets/codes/thresholds.txt
       for ms8, thresholds-boxplus.txt for bx8, read by the protocol to choose codes); a curve that
       starts above TARGET gets half its lowest scanned QBER
"""
import glob
import json
import math
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

# Line style per decoder, in the order curves are drawn and rows printed.
STYLES = {"bp": ":^", "ms16": "-o", "ms8": "--s", "bx8": "-.d"}
RULES = {"ms8": "8-bit min-sum", "bx8": "8-bit box-plus"}


def h2(q):
    return -q * math.log2(q) - (1 - q) * math.log2(1 - q)


def crossing(points, target):
    """QBER where the FER first reaches `target`, or None."""
    pts = sorted((p["qber"], p["fer"]) for p in points)
    for (q0, f0), (q1, f1) in zip(pts, pts[1:]):
        if f0 < target <= f1:
            lo = math.log(max(f0, 1e-4))
            hi = math.log(f1)
            t = (math.log(target) - lo) / (hi - lo) if hi > lo else 0.0
            return q0 + t * (q1 - q0)
    return None


def main():
    results, prefix = sys.argv[1], sys.argv[2]
    target = float(sys.argv[3]) if len(sys.argv) > 3 else 0.1
    thresholds_out = sys.argv[4] if len(sys.argv) > 4 else None
    chosen = sys.argv[5] if len(sys.argv) > 5 else "ms8"
    if chosen not in RULES:
        sys.exit(f"plot_fer.py: thresholds are written for {', '.join(RULES)}, not {chosen}")
    thresholds = {}
    runs = {}
    for path in sorted(glob.glob(os.path.join(results, "*.json"))):
        code, decoder = os.path.basename(path)[:-5].rsplit(".", 1)
        runs.setdefault(code, {})[decoder] = json.load(open(path))
    print(f"| code | decoder | QBER at FER {target:g} | f there | cost vs bp | "
          "mean iterations there | Mbit/s per core there |")
    print("|---|---|---|---|---|---|---|")
    for n in (16, 20):
        codes = sorted(c for c in runs if f"-n{n}-" in c)
        if not codes:
            continue
        fig, ax = plt.subplots(figsize=(9, 5.5))
        for k, code in enumerate(codes):
            colour = f"C{k % 10}"
            ref = None
            if "bp" in runs[code]:
                ref = crossing(runs[code]["bp"]["points"], target)
            for decoder in STYLES:
                if decoder not in runs[code]:
                    continue
                run = runs[code][decoder]
                pts = sorted(run["points"], key=lambda p: p["qber"])
                ax.semilogy([100 * p["qber"] for p in pts], [max(p["fer"], 1e-3) for p in pts],
                            STYLES[decoder], color=colour, markersize=3,
                            label=f"{code[6:]} {decoder}")
                q = crossing(pts, target)
                if decoder == chosen:
                    if q is not None:
                        thresholds[code] = q
                    elif pts and pts[0]["fer"] >= target:
                        thresholds[code] = pts[0]["qber"] / 2
                if q is None:
                    print(f"| {code} | {decoder} | not crossed | | | | |")
                    continue
                f = run["m"] / (run["n"] * h2(q))
                cost = ""
                if ref is not None and decoder != "bp":
                    cost = f"{f - run['m'] / (run['n'] * h2(ref)):+.3f}"
                near = min(pts, key=lambda p: abs(p["qber"] - q))
                print(f"| {code} | {decoder} | {100 * q:.2f} % | {f:.3f} | {cost} | "
                      f"{near['mean_iterations']:.1f} | {near['decoded_mbps_per_core']:.1f} |")
        ax.axhline(target, color="grey", linewidth=0.5)
        ax.set_xlabel("QBER (%)")
        ax.set_ylabel("frame error rate (1e-3 = none seen)")
        ax.set_title(f"Bundled 2^{n}-bit codes, syndrome decoding over the BSC")
        ax.grid(True, which="both", linewidth=0.3)
        ax.legend(fontsize=6, ncol=3)
        fig.tight_layout()
        fig.savefig(f"{prefix}-n{n}.png", dpi=110)


    if thresholds_out:
        with open(thresholds_out, "w") as out:
            out.write("# QBER where the %s decoder's FER reaches %g at the mother rate\n"
                      "# (tools/fer_family.sh, then tools/plot_fer.py); read by the protocol.\n"
                      % (RULES[chosen], target))
            for code in sorted(thresholds):
                out.write(f"{code} {thresholds[code]:.5f}\n")


if __name__ == "__main__":
    main()
