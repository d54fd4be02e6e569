// Search by place: wards (whose names carry the towns), local authorities, LSOA names and codes, and GP practice
// names and codes, case-insensitive, in an ARIA combobox: type, move with the arrow keys, Enter chooses, Escape
// closes. Choosing zooms to the place and selects it where that means something (an LSOA, a ward's LSOAs, a
// practice in a plan built from practices).

const $ = (id) => document.getElementById(id);
const KIND_LABEL = { ward: "Ward", lad: "Local authority", practice: "GP practice", lsoa: "LSOA" };
const KIND_ORDER = { ward: 0, lad: 1, practice: 2, lsoa: 3 };
const LIMIT = 12;

export class PlaceSearch {
  /** @param {{entries: function(): object[], choose: function(object): void}} source */
  constructor(source) {
    this.source = source;
    this.input = $("place-search");
    this.list = $("place-results");
    this.results = [];
    this.active = -1;
    this.input.addEventListener("input", () => this.update());
    this.input.addEventListener("keydown", (event) => this.key(event));
    // Close a moment after focus leaves (so a click on a result still lands), unless focus has come back.
    this.input.addEventListener("blur", () => setTimeout(() => {
      if (document.activeElement !== this.input) this.close();
    }, 150));
    $("place-form").addEventListener("submit", (event) => {
      event.preventDefault();
      this.update();
      this.pick(this.active >= 0 ? this.active : 0);
    });
  }

  /** Matches of a query, best first: names starting with it, then words starting with it, then anywhere. */
  static match(entries, query) {
    const q = query.trim().toLowerCase();
    if (!q) return [];
    const scored = [];
    for (const entry of entries) {
      const name = entry.name.toLowerCase();
      const code = entry.code.toLowerCase();
      let score = null;
      if (name === q || code === q) score = 0;
      else if (name.startsWith(q) || code.startsWith(q)) score = 1;
      else if (name.split(/[\s,()&-]+/).some((word) => word.startsWith(q))) score = 2;
      else if (name.includes(q)) score = 3;
      if (score !== null) scored.push([score, KIND_ORDER[entry.kind], entry.name, entry]);
    }
    scored.sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2].localeCompare(b[2], "en-GB", { numeric: true }));
    return scored.map((s) => s[3]);
  }

  update() {
    const all = PlaceSearch.match(this.source.entries(), this.input.value);
    this.results = all.slice(0, LIMIT);
    this.active = this.results.length ? 0 : -1;
    this.list.replaceChildren(...this.results.map((entry, i) => {
      const item = document.createElement("li");
      item.id = `place-option-${i}`;
      item.className = "app-search__option";
      item.setAttribute("role", "option");
      item.dataset.kind = entry.kind;
      item.dataset.code = entry.code;
      const kind = document.createElement("span");
      kind.className = "app-search__kind";
      kind.textContent = KIND_LABEL[entry.kind];
      item.append(`${entry.name}${entry.code !== entry.name ? ` (${entry.code})` : ""} `, kind);
      item.addEventListener("mousedown", (event) => { event.preventDefault(); this.pick(i); });
      return item;
    }));
    const q = this.input.value.trim();
    $("place-count").textContent = !q ? "" : all.length
      ? `${all.length} ${all.length === 1 ? "place matches" : "places match"}${all.length > LIMIT ? `; the first ${LIMIT} are listed` : ""}. Use the up and down arrows to choose, Enter to go there.`
      : `No ward, local authority, LSOA or practice matches “${q}”.`;
    this.show(this.results.length > 0);
    this.mark();
  }

  show(open) {
    this.list.hidden = !open;
    this.input.setAttribute("aria-expanded", open ? "true" : "false");
  }

  close() {
    this.show(false);
    this.input.removeAttribute("aria-activedescendant");
  }

  mark() {
    [...this.list.children].forEach((item, i) => item.setAttribute("aria-selected", i === this.active ? "true" : "false"));
    if (this.active >= 0 && !this.list.hidden) {
      this.input.setAttribute("aria-activedescendant", `place-option-${this.active}`);
      this.list.children[this.active].scrollIntoView({ block: "nearest" });
    } else {
      this.input.removeAttribute("aria-activedescendant");
    }
  }

  key(event) {
    const n = this.results.length;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (this.list.hidden) { this.update(); return; }
      if (!n) return;
      this.active = (this.active + (event.key === "ArrowDown" ? 1 : n - 1)) % n;
      this.mark();
    } else if (event.key === "Escape") {
      if (!this.list.hidden) { event.preventDefault(); this.close(); }
    } else if (event.key === "Home" || event.key === "End") {
      if (!n || this.list.hidden) return;
      event.preventDefault();
      this.active = event.key === "Home" ? 0 : n - 1;
      this.mark();
    }
  }

  pick(i) {
    const entry = this.results[i];
    if (!entry) return;
    this.close();
    this.input.value = entry.name;
    this.source.choose(entry);
  }
}
