#!/usr/bin/env bash
# Cross-check and race of the impact estimators against the Python reference
# (pyfixest for TWFE and did2s, csdid for Callaway & Sant'Anna), on the same
# simulated panel, in one run. Writes bench/results/impact.{md,json}.
#
#   bash bench/impact/run.sh            # 35,000 units × 10 years
#   UNITS=5000 bash bench/impact/run.sh # quicker
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
units="${UNITS:-35000}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

venv="$root/bench/.venv"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check "pyfixest==0.60.0" "csdid==0.4.3"

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
cargo build --release --quiet -p cohesion-core --example simulate_panel --example impact_race
bin="$CARGO_TARGET_DIR/release/examples"
"$bin/simulate_panel" "$work/panel.csv" "$units" 2026
"$bin/simulate_panel" "$work/small.csv" 1500 7
"$bin/impact_race" "$work/panel.csv" "$work/ours.json" 7
"$bin/impact_race" "$work/small.csv" "$work/small_ours.json" 3

mkdir -p bench/results
"$venv/bin/python" bench/impact/compare.py \
  --panel "$work/panel.csv" --ours "$work/ours.json" \
  --small-panel "$work/small.csv" --small-ours "$work/small_ours.json" \
  --out-json bench/results/impact.json --out-md bench/results/impact.md
