#!/usr/bin/env bash
# Throughput against efficiency of `qkdpp run` (docs/pipeline.md "Measured"): for each QBER, 96
# blocks of the 2^20-bit family run end to end with the first round's leak margin --optimism X
# (0: the default, at the measured median thresholds), as a Markdown table of input Mbit/s,
# accepted blocks, whole-run f and secret fraction. Run it on an idle machine.
#   usage: bench/speed_tradeoff.sh [path/to/qkdpp] [work dir]
#   env: QBERS="0.03", OPTIMISM="0 0.1", THREADS=2, BLOCKS=96, EXTRA="--shortening ring"
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
qkdpp=${1:-$root/build/tools/qkdpp}
work=${2:-$(mktemp -d)}
mkdir -p "$work"
blocks=${BLOCKS:-96}
echo "| QBER | \`--optimism\` | Mbit/s (${THREADS:-2} threads) | accepted | f | secret fraction |"
echo "|---|---|---|---|---|---|"
for q in ${QBERS:-0.01 0.03 0.08}; do
  raw="$work/tradeoff-$blocks-$q.h5"
  [ -f "$raw" ] || "$qkdpp" simulate --bits $((blocks * 943719)) --qber "$q" --seed 11 -q -o "$raw"
  for x in ${OPTIMISM:-0 0.02 0.05 0.1 0.15}; do
    "$qkdpp" run --input "$raw" -o "$work/keys.h5" -q --code qkdpp-n20 --threads "${THREADS:-2}" \
      --seed 5 --optimism "$x" --json "$work/report.json" ${EXTRA:-}
    python3 - "$work/report.json" "$q" "$x" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print("| %g %% | %s | %.1f | %d/%d | %.3f | %.4f |" % (
    100 * float(sys.argv[2]), sys.argv[3], r["mbps"], r["accepted"], r["blocks"],
    r["efficiency"], r["secret_fraction"]))
PY
  done
done
