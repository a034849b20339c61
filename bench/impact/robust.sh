#!/usr/bin/env bash
# Cross-check of issue 18's new estimators and checks (Sun & Abraham, the CS uniform
# band, placebos) against the Python references, on one simulated panel, in one run.
# Writes bench/results/impact-robust.{md,json}.
#
#   bash bench/impact/robust.sh            # 35,000 units × 10 years
#   UNITS=5000 bash bench/impact/robust.sh # quicker
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
units="${UNITS:-35000}"
draws="${DRAWS:-200}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

venv="$root/bench/.venv"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check "pyfixest==0.60.0" "csdid==0.4.3"

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
cargo build --release --quiet -p cohesion-core --example simulate_panel --example impact_robust
bin="$CARGO_TARGET_DIR/release/examples"
"$bin/simulate_panel" "$work/panel.csv" "$units" 2026
"$bin/impact_robust" "$work/panel.csv" "$work/ours.json" 3 "$draws"

mkdir -p bench/results
"$venv/bin/python" bench/impact/robust.py --panel "$work/panel.csv" --ours "$work/ours.json" \
  --out-json bench/results/impact-robust.json --out-md bench/results/impact-robust.md
