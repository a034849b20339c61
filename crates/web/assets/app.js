// Cohésion: territory search suggestions, as a progressive enhancement of the plain
// search form (which works alone, without this script). ARIA 1.2 combobox pattern:
// the field keeps the focus, arrows move in the list, Enter opens the territory (the
// only suggestion opens without being chosen first),
// Escape closes the list. Data: GET /api/v1/territories?q=…&limit=8 (same origin).
// In a form that chooses territories (`data-pick`, the pact's perimeter), a suggestion
// is not opened but ticked in: a checkbox joins the list named by `data-pick-into`,
// as the form's « Chercher » button would have offered it.

const KINDS = {
  commune: 'Commune',
  arrondissement_municipal: 'Arrondissement municipal',
  epci: 'Intercommunalité',
  departement: 'Département',
  region: 'Région',
};
const LIMIT = 8;
const DELAY_MS = 150;

function enhance(input, n, pick) {
  const form = pick ? input.closest('.cohesion-pick') : input.form;
  const api = pick ? input.dataset.pick : input.dataset.suggest;
  const list = document.createElement('ul');
  list.id = `suggestions-${n}`;
  list.className = 'cohesion-suggest';
  list.setAttribute('role', 'listbox');
  list.setAttribute('aria-label', 'Suggestions de territoires');
  list.hidden = true;
  const status = document.createElement('p');
  status.className = 'fr-sr-only';
  status.setAttribute('role', 'status');
  form.append(list, status);

  input.setAttribute('role', 'combobox');
  input.setAttribute('aria-autocomplete', 'list');
  input.setAttribute('aria-expanded', 'false');
  input.setAttribute('aria-controls', list.id);

  let items = [];
  let active = -1;
  let timer = 0;
  let controller = null;

  const close = () => {
    list.hidden = true;
    input.setAttribute('aria-expanded', 'false');
    input.removeAttribute('aria-activedescendant');
    active = -1;
  };

  const select = (i) => {
    const options = list.children;
    if (active >= 0 && options[active]) options[active].setAttribute('aria-selected', 'false');
    active = i;
    if (i >= 0 && options[i]) {
      options[i].setAttribute('aria-selected', 'true');
      input.setAttribute('aria-activedescendant', options[i].id);
    } else {
      input.removeAttribute('aria-activedescendant');
    }
  };

  const label = (item) => {
    const where = item.parents.departement && item.kind !== 'departement' ? ` · département ${item.parents.departement}` : '';
    return `${item.name} — ${(KINDS[item.kind] || item.kind).toLowerCase()}${where}`;
  };

  const go = pick ? (item) => {
    const box = document.querySelector(`[data-pick-list="${input.dataset.pickInto}"]`);
    const value = `${item.kind}:${item.code}`;
    const name = input.dataset.pickName;
    if (box && !box.querySelector(`input[name="${name}"][value="${CSS.escape(value)}"]`)) {
      box.querySelector('[data-pick-empty]')?.remove();
      const id = `${input.dataset.pickInto}-ajoute-${box.children.length + 1}`;
      const group = document.createElement('div');
      group.className = 'fr-checkbox-group fr-checkbox-group--sm';
      const check = document.createElement('input');
      Object.assign(check, { type: 'checkbox', id, name, value, checked: true });
      const text = document.createElement('label');
      text.className = 'fr-label';
      text.htmlFor = id;
      text.textContent = label(item);
      group.append(check, text);
      box.append(group);
      status.textContent = `${item.name} ajouté.`;
    }
    input.value = '';
    close();
  } : (item) => {
    window.location.assign(`/territoires/${item.kind}/${encodeURIComponent(item.code)}`);
  };

  const show = (found) => {
    items = found.items;
    list.replaceChildren(...items.map((item, i) => {
      const li = document.createElement('li');
      li.id = `${list.id}-${i}`;
      li.setAttribute('role', 'option');
      li.setAttribute('aria-selected', 'false');
      const name = document.createElement('span');
      name.className = 'cohesion-suggest__name';
      name.textContent = item.name;
      const meta = document.createElement('span');
      meta.className = 'cohesion-suggest__meta';
      const where = item.parents.departement && item.kind !== 'departement' ? ` · département ${item.parents.departement}` : '';
      const former = item.former ? ` · ancienne commune ${item.former.name} (${item.former.code})` : '';
      meta.textContent = `${KINDS[item.kind] || item.kind} · ${item.code}${where}${former}`;
      li.append(name, meta);
      li.addEventListener('mousedown', (e) => e.preventDefault());
      li.addEventListener('click', () => go(item));
      return li;
    }));
    active = -1;
    const open = items.length > 0;
    list.hidden = !open;
    input.setAttribute('aria-expanded', String(open));
    const verb = pick ? 'ajouter' : 'ouvrir';
    status.textContent = open
      ? `${items.length} suggestion${items.length > 1 ? 's' : ''} ; flèches haut et bas pour parcourir, Entrée pour ${verb}.`
      : 'Aucune suggestion.';
  };

  const fetchSuggestions = async () => {
    const q = input.value.trim();
    if (q.length < 2) {
      close();
      return;
    }
    if (controller) controller.abort();
    controller = new AbortController();
    try {
      const url = `${api}?q=${encodeURIComponent(q)}&limit=${LIMIT}`;
      const response = await fetch(url, { signal: controller.signal, headers: { Accept: 'application/json' } });
      if (!response.ok) return close();
      show(await response.json());
    } catch (e) {
      if (e.name !== 'AbortError') close();
    }
  };

  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(fetchSuggestions, DELAY_MS);
  });
  input.addEventListener('keydown', (e) => {
    const open = !list.hidden && items.length > 0;
    if (e.key === 'ArrowDown' && open) {
      e.preventDefault();
      select((active + 1) % items.length);
    } else if (e.key === 'ArrowUp' && open) {
      e.preventDefault();
      select(active <= 0 ? items.length - 1 : active - 1);
    } else if (e.key === 'Enter' && open && (active >= 0 || items.length === 1)) {
      // The only suggestion opens on Enter without choosing it first.
      e.preventDefault();
      go(items[active >= 0 ? active : 0]);
    } else if (e.key === 'Escape' && open) {
      e.preventDefault();
      close();
    }
  });
  input.addEventListener('blur', () => setTimeout(close, 100));
}

document.querySelectorAll('input[data-suggest]').forEach((input, n) => enhance(input, n, false));
document.querySelectorAll('input[data-pick]').forEach((input, n) => enhance(input, 100 + n, true));

// In a form that chooses by searching, Enter in a search field runs that field's own
// « Chercher » (not the form's first button), unless a suggestion took it.
document.querySelectorAll('.cohesion-pick input[type="search"]').forEach((input) => {
  input.addEventListener('keydown', (e) => {
    if (e.key !== 'Enter' || e.defaultPrevented) return;
    const button = input.parentElement?.querySelector('button[name="chercher"]');
    if (button) {
      e.preventDefault();
      button.click();
    }
  });
});
