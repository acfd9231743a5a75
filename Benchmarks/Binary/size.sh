#!/usr/bin/env bash
# The `baton` executable: its size as built and stripped, whether ICU's data (full Foundation's 34 MB) is linked
# into it, and the start-up time of `baton --version` (the mean of RUNS runs, in milliseconds).
#
#   Benchmarks/Binary/size.sh [BATON] [RUNS]     (default .build/release/baton, 200 runs)
set -euo pipefail
BATON=$(realpath "${1:-.build/release/baton}")
RUNS=${2:-200}
STRIPPED=$(mktemp /tmp/baton-stripped-XXXXXX)
trap 'rm -f "$STRIPPED"' EXIT
strip -o "$STRIPPED" "$BATON"
echo "executable: $BATON"
echo "size: $(stat -c %s "$BATON") bytes as built, $(stat -c %s "$STRIPPED") stripped"
if grep -q -a icudt "$BATON"; then echo "ICU data: linked"; else echo "ICU data: not linked"; fi
"$BATON" --version > /dev/null
START=$(date +%s%N)
for _ in $(seq "$RUNS"); do "$BATON" --version > /dev/null; done
END=$(date +%s%N)
echo "baton --version: $(( (END - START) / RUNS / 1000 )) µs on average over $RUNS runs"
