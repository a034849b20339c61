#!/usr/bin/env bash
# Cross-check of the synthetic control (cohesion_core::impact::synthetic_control)
# against pysyncon on a small simulated panel. Writes bench/results/synthetic.{md,json}.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
venv="$root/bench/.venv"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check "pysyncon==1.7.0"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
cargo build --quiet -p cohesion-core --example synthetic_check
"$CARGO_TARGET_DIR/debug/examples/synthetic_check" "$work/panel.csv" "$work/ours.json"
mkdir -p bench/results
"$venv/bin/python" bench/impact/synthetic.py --panel "$work/panel.csv" --ours "$work/ours.json" \
  --out-md bench/results/synthetic.md --out-json bench/results/synthetic.json
cat bench/results/synthetic.md
