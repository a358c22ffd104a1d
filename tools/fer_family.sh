#!/usr/bin/env bash
# FER versus QBER of the bundled code family with `qkdpp fer --json`, one JSON file per code and
# decoder in OUT (default bench/results/fer). Each code is scanned over fractions of the upper end
# of its QBER range (the PEXIT threshold), where the interesting part of the curve lies.
#   usage: tools/fer_family.sh [path/to/qkdpp]
#   env: DECODERS="ms16 ms8 bp" (or bx8: 8-bit box-plus) SIZES="16 20" FRAMES=100 MAX_FE=20
#        MAX_ITER=100 OUT=dir
#        FRACTIONS="0.92 0.96 1.01" (the scanned fractions of the range's upper end; the default
#        grid is coarse near the threshold, where a finer one places the FER 0.1 crossing better)
#        RATES="050 078" (limits the codes)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
qkdpp=${1:-$root/build/tools/qkdpp}
out=${OUT:-$root/bench/results/fer}
mkdir -p "$out"
fractions=${FRACTIONS:-"0.45 0.52 0.59 0.66 0.72 0.78 0.83 0.88 0.92 0.96 1.01 1.06 1.12"}
for n in ${SIZES:-16 20}; do
  for code in "$root"/datasets/codes/qkdpp-n"$n"-r*.qc; do
    name=$(basename "$code" .qc)
    rate=${name##*-r}
    [ -n "${RATES:-}" ] && [[ " $RATES " != *" $rate "* ]] && continue
    # Upper end of the QBER range `qkdpp codes` prints, in percent.
    top=$("$qkdpp" codes | awk -v c="$name.qc" '$1 == c { split($6, r, "-"); print r[2] }')
    qbers=$(for f in $fractions; do awk -v t="$top" -v f="$f" 'BEGIN { printf "%.5f,", t * f / 100 }'; done)
    for decoder in ${DECODERS:-ms16 ms8 bp}; do
      case "$decoder" in
        ms16) args="--decoder ms --precision 16" ;;
        ms8) args="--decoder ms --precision 8" ;;
        bx8) args="--decoder ms --precision 8 --variant boxplus" ;;
        bp) args="--decoder bp" ;;
        *) echo "unknown decoder $decoder" >&2; exit 2 ;;
      esac
      # shellcheck disable=SC2086
      "$qkdpp" fer --code "$code" --qber "${qbers%,}" --frames "${FRAMES:-100}" \
        --max-fe "${MAX_FE:-20}" --max-iter "${MAX_ITER:-100}" $args --json \
        > "$out/$name.$decoder.json.partial"
      mv "$out/$name.$decoder.json.partial" "$out/$name.$decoder.json"
      echo "$name $decoder done" >&2
    done
  done
done
