#!/usr/bin/env bash
# Two-machine throughput on loopback: `qkdpp run --role alice` and `--role bob` as two processes
# (sharing this machine's cores) against a batch run of the same input, with and without
# authentication, as a Markdown table. Both parties' key files are checked to be identical.
#   usage: bench/two_party.sh [path/to/qkdpp] [work dir]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
qkdpp=${1:-$root/build/tools/qkdpp}
work=${2:-$(mktemp -d)}
mkdir -p "$work"
port=$((20000 + RANDOM % 20000))
echo "| family | QBER | mode | seconds | Mbit/s | accepted | link MB A->B / B->A | pool bytes used |"
echo "|---|---|---|---|---|---|---|---|"
for family in 16 20; do
  blocks=100; block_bits=58983
  [ "$family" = 20 ] && { blocks=16; block_bits=943719; }
  q=0.03
  raw="$work/raw-$family.h5"
  [ -f "$raw" ] || "$qkdpp" simulate --bits $((blocks * block_bits)) --qber "$q" --seed 11 -q -o "$raw"
  "$qkdpp" run --input "$raw" -o "$work/batch.h5" -q --code "qkdpp-n$family" --seed 5 \
    --json "$work/batch.json"
  python3 -c "
import json; r = json.load(open('$work/batch.json'))
print('| 2^$family | 3 %% | batch | %.2f | %.2f | %d/%d | | |' % (r['seconds'], r['mbps'], r['accepted'], r['blocks']))"
  for auth in no yes; do
    args=()
    if [ "$auth" = yes ]; then
      head -c 1048576 /dev/urandom > "$work/pool-a.bin"; cp "$work/pool-a.bin" "$work/pool-b.bin"
      rm -f "$work"/pool-*.used
      args=(--auth-key)
    fi
    port=$((port + 1))
    "$qkdpp" run --input "$raw" -o "$work/alice.h5" -q --code "qkdpp-n$family" --seed 5 \
      --role alice --listen "127.0.0.1:$port" --json "$work/alice.json" \
      ${args[@]+"${args[@]}"} ${args[@]+"$work/pool-a.bin"} &
    alice=$!
    "$qkdpp" run --input "$raw" -o "$work/bob.h5" -q --code "qkdpp-n$family" \
      --role bob --connect "127.0.0.1:$port" --json "$work/bob.json" \
      ${args[@]+"${args[@]}"} ${args[@]+"$work/pool-b.bin"}
    wait "$alice"
    cmp <(python3 -c "import json; print(json.load(open('$work/alice.json'))['final_bits'])") \
        <(python3 -c "import json; print(json.load(open('$work/bob.json'))['final_bits'])")
    python3 -c "
import json; a = json.load(open('$work/alice.json')); b = json.load(open('$work/bob.json'))
print('| 2^$family | 3 %% | two processes, %s | %.2f | %.2f | %d/%d | %.2f / %.2f | %d |' % (
    'authenticated' if a['link']['authenticated'] else 'unauthenticated', b['seconds'], b['mbps'],
    b['accepted'], b['blocks'], a['link']['bytes_sent'] / 1e6, b['link']['bytes_sent'] / 1e6,
    a['link']['auth_key_bytes']))"
  done
done
