#!/usr/bin/python3
"""Plot bench/toeplitz_bench JSON output (Mbit/s of input vs n) and print the docs table.

usage: tools/plot_toeplitz_bench.py RESULTS.json [MORE.json ...] OUT.png

Later files override earlier ones point by point; runs with --benchmark_repetitions contribute
their median.
"""
import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

NAMES = {
    "BM_Toeplitz<ToeplitzKernel::kNaive>": "naive (baseline)",
    "BM_Gf2xProductBaseline": "libgf2x product (baseline)",
    "BM_Toeplitz<ToeplitzKernel::kClmul>": "clmul, 1 core",
    "BM_Toeplitz<ToeplitzKernel::kNtt>": "ntt, 1 core",
    "BM_Toeplitz<ToeplitzKernel::kFft>": "fft, 1 core",
    "BM_ToeplitzParallel": "auto, 2 cores",
}


def load(paths):
    rows = {}
    for path in paths:
        benchmarks = json.load(open(path))["benchmarks"]
        repeated = any(b.get("run_type") == "aggregate" for b in benchmarks)
        for b in benchmarks:
            if repeated and b.get("aggregate_name") != "median":
                continue
            name, log_n, pct = b["run_name"].split("/")[:3]
            rows.setdefault((int(log_n), int(pct)), {})[NAMES[name]] = b["Mbit/s"]
    return rows


def main():
    rows = load(sys.argv[1:-1])
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.5), sharey=True)
    for ax, pct in zip(axes, (25, 50, 75)):
        for label in NAMES.values():
            pts = sorted((e, r[label]) for (e, p), r in rows.items() if p == pct and label in r)
            if pts:
                ax.plot([e for e, _ in pts], [v for _, v in pts], marker="o", label=label)
        ax.set_yscale("log")
        ax.set_title(f"m/n = {pct} %")
        ax.set_xlabel("log2 n (input bits)")
        ax.grid(True, which="both", alpha=0.3)
    axes[0].set_ylabel("Mbit/s of input")
    axes[0].legend(fontsize=8)
    fig.suptitle("Toeplitz hashing, AMD EPYC Zen 1 (AVX2, PCLMULQDQ)")
    fig.tight_layout()
    fig.savefig(sys.argv[-1], dpi=90)
    labels = list(NAMES.values())
    print("| log2 n | m/n | " + " | ".join(labels) + " |")
    print("| --- | --- |" + " --- |" * len(labels))
    for (e, pct), r in sorted(rows.items()):
        cells = [f"{r[l]:.1f}" if l in r else "" for l in labels]
        print(f"| {e} | {pct} % | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
