#!/usr/bin/env bash
# Cross-check of the weighted estimators (issue 18, point 3: the matching weights fed
# into TWFE, Callaway & Sant'Anna and imputation) against the Python references with
# the same unit weights, on one simulated panel, in one run.
# Writes bench/results/impact-weighted.{md,json}.
#
#   bash bench/impact/weighted.sh            # 35,000 units × 10 years
#   UNITS=5000 bash bench/impact/weighted.sh # quicker
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
units="${UNITS:-35000}"
seed="${WEIGHT_SEED:-18}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

venv="$root/bench/.venv"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check "pyfixest==0.60.0" "csdid==0.4.3"

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
cargo build --release --quiet -p cohesion-core --example simulate_panel --example impact_weighted
bin="$CARGO_TARGET_DIR/release/examples"
"$bin/simulate_panel" "$work/plain.csv" "$units" 2026
"$bin/simulate_panel" "$work/small_plain.csv" 1500 7
"$venv/bin/python" bench/impact/weighted.py weights "$work/plain.csv" "$work/panel.csv" --seed "$seed"
"$venv/bin/python" bench/impact/weighted.py weights "$work/small_plain.csv" "$work/small.csv" --seed "$seed"
"$bin/impact_weighted" "$work/panel.csv" "$work/ours.json" 5
"$bin/impact_weighted" "$work/small.csv" "$work/small_ours.json" 3

mkdir -p bench/results
"$venv/bin/python" bench/impact/weighted.py compare --panel "$work/panel.csv" --ours "$work/ours.json" \
  --small-panel "$work/small.csv" --small-ours "$work/small_ours.json" --seed "$seed" \
  --out-json bench/results/impact-weighted.json --out-md bench/results/impact-weighted.md
