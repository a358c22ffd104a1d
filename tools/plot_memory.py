#!/usr/bin/env python3
"""Plot peak RSS against input size from bench/memory_scaling.sh's Markdown table.

usage: tools/plot_memory.py TABLE.md OUT.png
"""
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt


def main():
    rows = []
    for line in open(sys.argv[1]):
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 4 and cells[0][0].isdigit():
            rows.append((float(cells[0]), float(cells[2]), float(cells[3])))
    bits, mbps, rss = zip(*rows)
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.plot(bits, rss, "o-", label="peak RSS")
    ax.set_xscale("log")
    ax.set_ylim(0, max(rss) * 1.5)
    ax.set_xlabel("input key bits")
    ax.set_ylabel("peak resident memory (MB)")
    ax.set_title("qkdpp run, 2^20-bit family, 2 threads, QBER 3 %")
    for b, r in zip(bits, rss):
        ax.annotate("%.0f" % r, (b, r), textcoords="offset points", xytext=(0, 6), ha="center")
    ax.grid(True, alpha=0.3)
    fig.tight_layout()
    fig.savefig(sys.argv[2], dpi=100)


if __name__ == "__main__":
    main()
