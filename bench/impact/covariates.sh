#!/usr/bin/env bash
# Cross-check of Callaway & Sant'Anna with covariates (issue 18, point 4: the doubly
# robust estimator in each ATT(g,t), and its 'reg' and 'ipw' halves) against csdid on
# one simulated panel with selection on observables, never and not-yet-treated
# controls, with and without unit weights, in one run.
# Writes bench/results/impact-covariates.{md,json}.
#
#   bash bench/impact/covariates.sh            # 35,000 units × 10 years
#   UNITS=2000 bash bench/impact/covariates.sh # quicker
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
units="${UNITS:-35000}"
seed="${COVARIATE_SEED:-18}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

venv="$root/bench/.venv"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check "csdid==0.4.3" "drdid==1.1.7" "statsmodels==0.15.0"

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
cargo build --release --quiet -p cohesion-core --example impact_covariates
"$venv/bin/python" bench/impact/covariates.py simulate "$work/panel.csv" --units "$units" --seed "$seed"
"$CARGO_TARGET_DIR/release/examples/impact_covariates" "$work/panel.csv" "$work/ours.json" 3

mkdir -p bench/results
commit="$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- crates bench || echo '+changes')"
"$venv/bin/python" bench/impact/covariates.py compare --panel "$work/panel.csv" --ours "$work/ours.json" \
  --seed "$seed" --commit "$commit" \
  --out-json bench/results/impact-covariates.json --out-md bench/results/impact-covariates.md
