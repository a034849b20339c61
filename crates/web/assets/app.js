// Cohésion: territory search suggestions, as a progressive enhancement of the plain
// search form (which works alone, without this script). ARIA 1.2 combobox pattern:
// the field keeps the focus, arrows move in the list, Enter opens the territory (the
// only suggestion opens without being chosen first),
// Escape closes the list. Data: GET /api/v1/territories?q=…&limit=8 (same origin).

const KINDS = {
  commune: 'Commune',
  arrondissement_municipal: 'Arrondissement municipal',
  epci: 'Intercommunalité',
  departement: 'Département',
  region: 'Région',
};
const LIMIT = 8;
const DELAY_MS = 150;

function enhance(input, n) {
  const form = input.form;
  const api = input.dataset.suggest;
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

  const go = (item) => {
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
    status.textContent = open
      ? `${items.length} suggestion${items.length > 1 ? 's' : ''} ; flèches haut et bas pour parcourir, Entrée pour ouvrir.`
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

document.querySelectorAll('input[data-suggest]').forEach(enhance);
