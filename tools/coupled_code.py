#!/usr/bin/env python3
"""Terminated spatially coupled quasi-cyclic LDPC codes, written as qkdpp-qc 1 files.

An experiment (docs/codes.md, "Spatially coupled codes"): L positions, each with BC base rows and
BV base columns; every column of position t has DV edges spread over the rows of positions
t .. t + W - 1 (edge k to position t + k mod W), the least loaded row of that position first, and
exponents drawn at random until no 4-cycle closes. The chain is terminated: L + W - 1 row
positions, so the rate is 1 - BC (L + W - 1) / (BV L).

    usage: tools/coupled_code.py --L 64 --bv 10 --bc 1 --dv 4 --z 1632 -o sc.qc
           build/tools/qkdpp fer --code sc.qc --decoder ms --precision 8 --variant boxplus \
               --qber 0.010,0.0105 --max-iter 600
"""
import argparse
import random
import sys


def build(L, bv, bc, dv, w, z, seed):
    rnd = random.Random(seed)
    rows, cols = (L + w - 1) * bc, L * bv
    by_row = [dict() for _ in range(rows)]
    by_col = [dict() for _ in range(cols)]

    def closes_4_cycle(r, c, s):
        for r2, s2 in by_col[c].items():
            for c2, s3 in by_row[r].items():
                s4 = by_row[r2].get(c2)
                if s4 is not None and (s - s3 + s4 - s2) % z == 0:
                    return True
        return False

    for t in range(L):
        for j in range(bv):
            c = t * bv + j
            used = set()
            for k in range(dv):
                pos = t + k % w
                free = [pos * bc + i for i in range(bc) if pos * bc + i not in used]
                if not free:
                    sys.exit(f"coupled_code.py: {dv} edges do not fit {w} positions of {bc} rows")
                r = min(free, key=lambda x: (len(by_row[x]), rnd.random()))
                used.add(r)
                for _ in range(1000):
                    s = rnd.randrange(z)
                    if not closes_4_cycle(r, c, s):
                        break
                else:
                    sys.exit("coupled_code.py: no exponent avoids a 4-cycle; raise --z")
                by_row[r][c] = s
                by_col[c][r] = s
    return rows, cols, by_row


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--L", type=int, default=64, help="positions")
    ap.add_argument("--bv", type=int, default=10, help="base columns per position")
    ap.add_argument("--bc", type=int, default=1, help="base rows per position")
    ap.add_argument("--dv", type=int, default=4, help="column degree")
    ap.add_argument("--w", type=int, default=0, help="coupling width in positions (default dv/bc)")
    ap.add_argument("--z", type=int, default=1632, help="lifting size")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("-o", "--output", required=True)
    a = ap.parse_args()
    w = a.w or max(1, a.dv // a.bc)
    rows, cols, by_row = build(a.L, a.bv, a.bc, a.dv, w, a.z, a.seed)
    with open(a.output, "w") as f:
        f.write(f"# tools/coupled_code.py --L {a.L} --bv {a.bv} --bc {a.bc} --dv {a.dv} --w {w} "
                f"--z {a.z} --seed {a.seed}\n")
        f.write(f"# terminated spatially coupled chain, rate {1 - rows / cols:.6f}\n")
        f.write(f"qkdpp-qc 1\n{rows} {cols} {a.z}\n")
        for r in range(rows):
            f.write(" ".join(str(by_row[r].get(c, -1)) for c in range(cols)) + "\n")
    print(f"rate {1 - rows / cols:.6f}, N {cols * a.z}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
