#!/usr/bin/env bash
# Peak resident memory of `qkdpp run` as the input grows (bounded pipeline: it must stay flat).
#   usage: bench/memory_scaling.sh [path/to/qkdpp] [work dir] [sizes in bits...]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
qkdpp=${1:-$root/build/tools/qkdpp}
work=${2:-$(mktemp -d)}
shift 2 || true
sizes=("$@")
[ ${#sizes[@]} -eq 0 ] && sizes=(1e7 3e7 1e8 2e8)
mkdir -p "$work"
echo "| input bits | seconds | Mbit/s | peak RSS MB |"
echo "|---|---|---|---|"
for bits in "${sizes[@]}"; do
  raw="$work/raw-$bits.h5"
  [ -f "$raw" ] || "$qkdpp" simulate --bits "$bits" --qber 0.03 --seed 13 -q --compression 0 -o "$raw"
  out=$( { /usr/bin/time -f "%M %e" "$qkdpp" run --input "$raw" -o "$work/keys.h5" -q \
             --code qkdpp-n20 --seed 5 --json "$work/r.json" ; } 2>&1 )
  python3 -c "
import json; r = json.load(open('$work/r.json')); rss, sec = '$out'.split()[-2:]
print('| $bits | %s | %.2f | %.0f |' % (sec, r['mbps'], int(rss) / 1024))"
done
