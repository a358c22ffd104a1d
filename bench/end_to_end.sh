#!/usr/bin/env bash
# End-to-end benchmark of `qkdpp run`: input Mbit/s on 1 and 2 threads at QBER 1, 3 and 8 % for
# both block-size families, with the per-stage busy time and peak memory, as a Markdown table.
# The first blocks run on the start-up estimate, so every input is 24 blocks (2^20) or 200 blocks
# (2^16) long and the table also gives the efficiency over the whole run.
#   usage: bench/end_to_end.sh [path/to/qkdpp] [work dir]    env: RULE=min-sum (default: the
#   protocol's default check rule, box-plus), EXTRA="--round-stall 0" (further run options; for
#   example EXTRA="--optimism 0.1" trades efficiency for throughput: bench/speed_tradeoff.sh)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
qkdpp=${1:-$root/build/tools/qkdpp}
work=${2:-$(mktemp -d)}
mkdir -p "$work"
echo "| family | QBER | threads | Mbit/s | accepted | f | read / distill / decode / amplify / write busy s | peak RSS MB |"
echo "|---|---|---|---|---|---|---|---|"
for family in 20 16; do
  blocks=24; block_bits=943719
  [ "$family" = 16 ] && { blocks=200; block_bits=58983; }
  for q in 0.01 0.03 0.08; do
    raw="$work/raw-$family-$q.h5"
    [ -f "$raw" ] || "$qkdpp" simulate --bits $((blocks * block_bits)) --qber "$q" --seed 11 -q -o "$raw"
    for threads in 1 2; do
      report="$work/report-$family-$q-$threads.json"
      rss=$( { /usr/bin/time -f "%M" "$qkdpp" run --input "$raw" -o "$work/keys.h5" -q \
                 --code "qkdpp-n$family" --threads "$threads" --seed 5 --json "$report" \
                 ${RULE:+--rule "$RULE"} ${EXTRA:-} ; } 2>&1 )
      python3 - "$report" "$family" "$q" "$threads" "$rss" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
s = r["stages"]
busy = " / ".join("%.1f" % s[k]["busy_seconds"] for k in ("read", "distill", "decode", "amplify", "write"))
print("| 2^%s | %.0f %% | %s | %.2f | %d/%d | %.3f | %s | %.0f |" % (
    sys.argv[2], float(sys.argv[3]) * 100, sys.argv[4], r["mbps"], r["accepted"], r["blocks"],
    r["efficiency"], busy, int(sys.argv[5].split()[-1]) / 1024))
PY
    done
  done
done
