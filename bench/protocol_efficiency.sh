#!/usr/bin/env bash
# Steady-state protocol efficiency on simulated keys (docs/protocol.md "Measured efficiency"):
# `qkdpp distill` per family and QBER, the start-up estimate set to the true QBER, one Markdown
# row each. Mbit/s is one thread, both parties; run it on an idle machine.
#   usage: bench/protocol_efficiency.sh [path/to/qkdpp]
#   env: QBERS="0.01 0.03" FAMILIES="20 16" RULES="min-sum boxplus" (Bob's check rule),
#   EXTRA="--round-stall 0" (further distill options)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
qkdpp=${1:-$root/build/tools/qkdpp}
# "f, blocks 5+": the same ratio without the first 4 blocks, which keep the full first-round
# reserve until the QBER estimator has seen 4 measured blocks (docs/protocol.md "First-round
# reserve"): the steady state of a long run.
echo "| rule | family | QBER | accepted / blocks | verified | mean QBER | f | f, blocks 5+ | mean rounds | mean iterations | secret fraction | Mbit/s |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
for rule in ${RULES:-min-sum boxplus}; do
for family in ${FAMILIES:-20 16}; do
  blocks=24
  [ "$family" = 16 ] && blocks=60
  for q in ${QBERS:-0.01 0.015 0.02 0.025 0.03 0.04 0.05 0.065 0.08 0.10}; do
    "$qkdpp" distill --family "$family" --qber "$q" --blocks "$blocks" --initial-qber "$q" \
      --rule "$rule" ${EXTRA:-} --json |
      python3 -c '
import json, math, sys
d = json.load(sys.stdin)
s = d["summary"]
def h2(q):
    return -q * math.log2(q) - (1 - q) * math.log2(1 - q) if 0 < q < 1 else 0.0
# Verified blocks (efficiency > 0) from the fifth on: disclosed bits over n h2(QBER).
late = [b for b in d["blocks"] if b["index"] >= 4 and b["efficiency"] > 0]
ideal = sum(b["leak_ec_bits"] / b["efficiency"] for b in late)  # n h2(QBER) per block
late_f = sum(b["leak_ec_bits"] for b in late) / ideal if ideal > 0 else 0.0
print("| %s | 2^%s | %g %% | %d/%d | %d | %.4f | %.3f | %.3f | %.2f | %.1f | %.3f | %.2f |" % (
    s["rule"], sys.argv[1], 100 * float(sys.argv[2]), s["accepted"], s["blocks"],
    s["verified"], s["mean_qber"], s["efficiency"], late_f, s["mean_rounds"],
    s["mean_iterations"], s["secret_fraction"], s["mbps"]))
' "$family" "$q"
  done
done
done
