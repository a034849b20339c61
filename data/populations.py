"""Legal populations of every commune for every reference year that a vintage of the npm
package @etalab/decoupage-administratif carries, harmonised to the COG 2026.

Usage: python3 data/populations.py UNPACKED_DIR OUT_DIR
UNPACKED_DIR holds one directory per package version (`0.4.0/package/data/communes.json`…),
as data/build.sh lays them out. Writes OUT_DIR/populations.tsv.gz (the series) and
OUT_DIR/populations-left-out.tsv (every commune and year left out, with the reason), and
prints the checks (national totals per year). See data/README.md.

Harmonisation, step by step along the geographies the packages carry (COG 2019 → 2021 →
2022 → 2023 → 2024 → 2025 → 2026):
- a code still current in the next geography keeps its code;
- a code that disappears and is, in the next geography, a delegated or associated commune
  follows its `chefLieu` (a merger into a commune nouvelle or an association): its
  population is added to its successor's;
- a code that disappears with no delegated or associated trace in any later package has
  no known successor: its values are left out and listed (never guessed);
- a code that appears without predecessors is a split (rétablissement): the commune it
  left (its former `chefLieu`) has past values that include it, so that commune's values
  before the split are left out and listed, as are any values of the new commune before it
  existed (there are none).
A vintage whose geography is newer than its populations' (4.0.0: COG 2024 carrying the
populations 2021, drawn in the COG 2023) gives a commune nouvelle of the newer year only
its chef-lieu's population: those values are left out and listed.
"""

import gzip
import json
import sys
from collections import defaultdict

# (in-force year, package version, reference year, COG of its geography, note)
SERIES = [
    (2019, "0.4.0", 2016, 2019),
    (2022, "1.1.1", 2019, 2021),
    (2023, "2.3.1", 2020, 2022),
    (2024, "4.0.0", 2021, 2024),
    (2025, "4.1.0", 2022, 2024),
    (2026, "6.0.0", 2023, 2026),
]
# One package per geography, oldest first: the chain the codes follow to the COG 2026.
GEOGRAPHIES = [
    (2019, "0.4.0"),
    (2021, "1.1.1"),
    (2022, "2.3.1"),
    (2023, "3.1.1"),
    (2024, "4.1.0"),
    (2025, "5.3.0"),
    (2026, "6.0.0"),
]
# Geographies whose populations are those of the year before: its communes nouvelles of
# that year carry their chef-lieu's population only (checked below against the sum).
CHEF_LIEU_ONLY = {"4.0.0": 2024}
MAYOTTE_CENSUS = 2017


def is_com(code):
    """Communes of the overseas collectivities: other census calendars, left out."""
    return code[:3] in ("975", "977", "978") or code[:2] == "98"


def load(root, version):
    path = f"{root}/{version}/package/data/communes.json"
    try:
        with open(path, encoding="utf-8") as f:
            rows = json.load(f)
    except (OSError, ValueError) as e:
        sys.exit(f"{path}: {e}")
    current, linked = {}, {}
    for i, r in enumerate(rows):
        kind, code = r.get("type"), r.get("code")
        if not isinstance(code, str) or len(code) != 5:
            sys.exit(f"{path}: record {i}: malformed code {code!r}")
        if kind in ("commune-actuelle", "arrondissement-municipal"):
            if is_com(code):
                continue
            pop = r.get("population")
            if pop is not None and (not isinstance(pop, int) or pop < 0):
                sys.exit(f"{path}: record {i} ({code}): population {pop!r} is not a count")
            current[code] = (r.get("nom", ""), pop, kind)
        elif kind in ("commune-deleguee", "commune-associee") and r.get("chefLieu"):
            linked[code] = r["chefLieu"]
    return current, linked


def main(root, out):
    geo = {year: load(root, v) for year, v in GEOGRAPHIES}
    years = [y for y, _ in GEOGRAPHIES]
    final_year = years[-1]
    final = geo[final_year][0]
    left_out = []  # (code 2026, name, reference years, reason)
    # successor[year][code] = code in the next geography (None: unknown)
    maps = {}
    code_changes = []
    # splits[year] = {parent code in geography `year`: [new codes of the next geography]}
    splits = defaultdict(dict)
    for a, b in zip(years, years[1:]):
        cur_a, linked_a = geo[a]
        cur_b, linked_b = geo[b]
        step = {}
        for code in cur_a:
            if code in cur_b:
                step[code] = code
                continue
            succ = linked_b.get(code)
            if succ is None:  # a later package may still list it as delegated
                for later in years[years.index(b) + 1:]:
                    succ = geo[later][1].get(code)
                    if succ:
                        break
            step[code] = succ if succ in cur_b else None
        # A code change (the chef-lieu of a commune nouvelle moved to one of its delegated
        # communes): the old code disappears without a successor and a new code of the
        # same name in the same département appears without predecessors.
        targets = set(step.values())
        fresh = [c for c in cur_b if c not in cur_a and c not in targets]
        for code in [c for c, s in step.items() if s is None]:
            same = [c for c in fresh if cur_b[c][0] == cur_a[code][0] and c[:2] == code[:2]]
            if len(same) == 1:
                step[code] = same[0]
                fresh.remove(same[0])
                code_changes.append(f"{cur_a[code][0]} : {code} → {same[0]} (COG {b})")
        maps[a] = step
        for code in fresh:
            splits[a].setdefault(linked_a.get(code), []).append((code, b))

    def to_final(code, year):
        """The COG 2026 code of `code` of geography `year`, or None."""
        for y in years[years.index(year):-1]:
            code = maps[y].get(code)
            if code is None:
                return None
        return code if code in final else None

    def name_of(code):
        for y in reversed(years):
            if code in geo[y][0]:
                return geo[y][0][code][0]
        return ""

    columns = []
    for in_force, version, ref, geo_year in SERIES:
        current = load(root, version)[0]
        if geo_year not in geo or set(current) != set(geo[geo_year][0]):
            sys.exit(f"{version}: its communes are not those of the COG {geo_year} chain")
        sums, incomplete = defaultdict(int), set()
        unknown = []
        for code, (name, pop, _) in current.items():
            target = to_final(code, geo_year)
            if target is None:
                unknown.append(code)
                left_out.append((code, name, str(ref), "successeur inconnu",
                                 f"{name} ({code}) a disparu après le COG {geo_year} sans être commune déléguée ou associée dans les versions suivantes du paquet : sa population ({pop}) n'est rattachée à aucune commune"))
                continue
            if pop is None:
                incomplete.add(target)
                continue
            sums[target] += pop
        for code in sorted(incomplete):
            if code.startswith("976"):
                reason = ("Mayotte absente", f"le paquet {version} ne donne aucune population à Mayotte")
            else:
                reason = ("population manquante", f"le paquet {version} ne donne pas la population de {code} ou d'une commune qui l'a formée")
            left_out.append((code, final[code][0], str(ref)) + reason)
        # splits after this geography: the parent's values include the new commune
        # (a vintage of CHEF_LIEU_ONLY draws its populations in the geography before its own)
        drawn = years[years.index(geo_year) - 1] if version in CHEF_LIEU_ONLY else geo_year
        for split_year in [y for y in years[:-1] if y >= drawn]:
            for parent, new_codes in splits[split_year].items():
                target = to_final(parent, split_year) if parent else None
                for code, when in new_codes:
                    if target:
                        incomplete.add(target)
                        left_out.append((target, final.get(target, ("",))[0], str(ref), "rétablissement",
                                         f"{name_of(code)} ({code}) a été rétablie au COG {when} à partir de {target} : la population {ref} de {target} l'inclut, le partage n'est pas connu"))
                    else:
                        left_out.append((code, name_of(code), str(ref), "création sans origine connue",
                                         f"{code} apparaît au COG {when} sans commune d'origine connue"))
        if version in CHEF_LIEU_ONLY:
            y = CHEF_LIEU_ONLY[version]
            prev = years[years.index(y) - 1]
            merged = defaultdict(list)
            for code, succ in maps[prev].items():
                if succ is not None and succ != code:
                    merged[succ].append(code)
            for succ, preds in sorted(merged.items()):
                target = to_final(succ, y)
                if target:
                    incomplete.add(target)
                    left_out.append((target, final[target][0], str(ref), "chef-lieu seul",
                                     f"commune nouvelle du 1er janvier {y} ; le paquet {version} (COG {y}, populations {ref} dessinées au COG {prev}) ne donne que la population du chef-lieu, pas celle de {', '.join(sorted(preds))}"))
        values = {c: v for c, v in sums.items() if c not in incomplete}
        arm = {c for c, (_, _, kind) in current.items() if kind == "arrondissement-municipal"}
        for city, prefix in (("75056", "751"), ("69123", "6938"), ("13055", "132")):
            parts = sum(v for c, v in values.items() if c in arm and c.startswith(prefix))
            if city in values and parts != values[city]:
                sys.exit(f"{version}: the arrondissements of {city} add up to {parts}, not {values[city]}")
        own_total = sum(p for c, (_, p, _) in current.items() if p is not None and c not in arm)
        series_total = sum(v for c, v in values.items() if c not in arm)
        dropped = sum(sums[c] for c in incomplete if c in sums and c not in arm)
        unknown_total = sum(current[c][1] or 0 for c in unknown)
        print(f"{in_force} (populations {ref}, package {version}, COG {geo_year}): {len(values) - len(arm)} communes,"
              f" total {series_total:,} + left out {dropped:,} + no successor {unknown_total:,}"
              f" = {series_total + dropped + unknown_total:,} (package's own total {own_total:,})")
        if series_total + dropped + unknown_total != own_total:
            sys.exit(f"{version}: the harmonised total does not add up")
        columns.append((in_force, version, ref, geo_year, values))

    codes = sorted(final)
    rows = 0
    kinds = {"commune-actuelle": "commune", "arrondissement-municipal": "arrondissement_municipal"}
    with gzip.GzipFile(f"{out}/populations.tsv.gz", "wb", mtime=0) as raw:
        w = lambda s: raw.write(s.encode("utf-8"))
        w("#cohesion-populations\tv1\tCOG 2026\n")
        w("#in_force\t" + "\t".join(str(c[0]) for c in columns) + "\n")
        w("#package\t" + "\t".join(c[1] for c in columns) + "\n")
        w("#geography\t" + "\t".join(f"COG {c[3]}" for c in columns) + "\n")
        w("kind\tcode\t" + "\t".join(str(c[2]) for c in columns) + "\n")
        for code in codes:
            cells = [str(c[4][code]) if code in c[4] else "" for c in columns]
            if any(cells):
                w(kinds[final[code][2]] + "\t" + code + "\t" + "\t".join(cells) + "\n")
                rows += 1
    merged = {}
    for code, name, ref, reason, detail in left_out:
        details = merged.setdefault((code, ref, reason), [name, []])[1]
        if detail not in details:
            details.append(detail)
    with open(f"{out}/populations-left-out.tsv", "w", encoding="utf-8") as f:
        f.write("code\tnom\treference\tmotif\tdetail\n")
        for (code, ref, reason), (name, details) in sorted(merged.items()):
            f.write("\t".join((code, name, ref, reason, " ; ".join(details))) + "\n")
    reasons = defaultdict(int)
    for (_, _, reason) in merged:
        reasons[reason] += 1
    for change in code_changes:
        print(f"code change followed: {change}")
    print(f"{rows} territories in data/indicators/populations.tsv.gz; left out: "
          + ", ".join(f"{k} {v}" for k, v in sorted(reasons.items())))


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: populations.py UNPACKED_DIR OUT_DIR")
    main(sys.argv[1], sys.argv[2])
