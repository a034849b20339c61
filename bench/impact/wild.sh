#!/usr/bin/env bash
# Cross-check of the wild cluster restricted bootstrap (issue 18, point 4) against
# wildboottest (through pyfixest's Feols.wildboottest), on simulated panels with a
# cluster column, in one run; our timings at commune scale beside.
# Writes bench/results/impact-wild.{md,json}.
#
#   bash bench/impact/wild.sh              # reference panels of 400 and 2,000 units; ours also at 35,000
#   BIG=5000 bash bench/impact/wild.sh     # quicker
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
big="${BIG:-35000}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
load_start="$(cut -d' ' -f1-3 /proc/loadavg)"

venv="$root/bench/.venv"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check "pyfixest==0.60.0" "wildboottest==0.3.2"

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
cargo build --release --quiet -p cohesion-core --example simulate_panel --example impact_wild
bin="$CARGO_TARGET_DIR/release/examples"
py="$venv/bin/python"
"$bin/simulate_panel" "$work/small.csv" 400 7
"$bin/simulate_panel" "$work/medium.csv" 2000 8
"$bin/simulate_panel" "$work/big.csv" "$big" 2026

manifest="$work/manifest.jsonl"
: > "$manifest"
# case NAME KIND SOURCE G SHOCK WEIGHTS DRAWS [--weights]
case_() {
  local name=$1 kind=$2 src=$3 g=$4 shock=$5 weights=$6 draws=$7
  shift 7
  "$py" bench/impact/wild.py prepare "$work/$src.csv" "$work/$name.csv" --clusters "$g" --shock "$shock" --seed "$g" "$@"
  "$bin/impact_wild" "$work/$name.csv" "$work/$name.json" "$draws" "$weights" 18 5
  printf '{"name":"%s","kind":"%s","panel":"%s","ours":"%s","draws":%s,"weights":"%s","seed":18}\n' \
    "$name" "$kind" "$work/$name.csv" "$work/$name.json" "$draws" "$weights" >> "$manifest"
}
# Full enumeration on both sides (Rademacher, 2^G < draws). Outcome with a small effect
# (tau 0.1) so that the p-values are not all 0.
case_ enum-g06 enum small 6 0.3 rademacher 9999 --tau 0.1
case_ enum-g08 enum small 8 0.3 rademacher 9999 --tau 0.1
case_ enum-g10 enum small 10 0.3 rademacher 9999 --tau 0.1
case_ enum-g12 enum small 12 0.3 rademacher 9999 --tau 0.1
case_ enum-g13 enum small 13 0.3 rademacher 9999 --tau 0.1
case_ enum-g12-2000 enum medium 12 0.3 rademacher 9999 --tau 0.05
case_ enum-g18 enum small 18 0.3 rademacher 262145 --tau 0.1
# Random draws on both sides (2^G > draws, or Webb weights).
case_ rademacher-g13 random small 13 0.3 rademacher 4999 --tau 0.1
case_ rademacher-g18 random small 18 0.3 rademacher 9999 --tau 0.1
case_ rademacher-g96 random small 96 0.3 rademacher 9999 --tau 0.1
case_ webb-g08 random small 8 0.3 webb 9999 --tau 0.1
case_ webb-g12 random small 12 0.3 webb 9999 --tau 0.1
case_ webb-g08-99999 random small 8 0.3 webb 99999 --tau 0.1
case_ rademacher-g18-99999 random small 18 0.3 rademacher 99999 --tau 0.1
# Standard errors only: weighted (wildboottest refuses WLS), and at commune scale.
case_ se-weighted-g13 se small 13 0.4 auto 999 --weights
case_ se-big-g13 se big 13 0.4 auto 999
case_ se-big-g96 se big 96 0.4 auto 999
case_ se-big-weighted-g13 se big 13 0.4 auto 999 --weights
# Ours only: clusters of one unit at commune scale (the worst case for the draws).
"$py" bench/impact/wild.py prepare "$work/big.csv" "$work/big-units.csv" --clusters "$big" --shock 0 --seed 1
"$bin/impact_wild" "$work/big-units.csv" "$work/big-units.json" 999 auto 18 3

# Seed study: our random Rademacher p-value with 100 seeds against the enumeration (enum-g18).
seed_study=()
for s in $(seq 1 100); do
  "$bin/impact_wild" "$work/enum-g18.csv" "$work/seed-$s.json" 9999 rademacher "$s" 1 2>/dev/null
  seed_study+=("$work/seed-$s.json")
done

load_end="$(cut -d' ' -f1-3 /proc/loadavg)"
note="2 cores; load average at start ${load_start}, at end ${load_end} (1, 5, 15 min): above 1 means the other core was busy"
mkdir -p bench/results
"$py" bench/impact/wild.py compare --manifest "$manifest" --machine-note "$note" \
  --ours-only "$work/se-big-g13.json" "$work/se-big-g96.json" "$work/se-big-weighted-g13.json" "$work/big-units.json" \
  --seed-study "${seed_study[@]}" --seed-study-exact "$work/enum-g18.json" \
  --out-json bench/results/impact-wild.json --out-md bench/results/impact-wild.md
