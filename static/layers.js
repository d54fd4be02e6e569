// Context layers of the planner map and their legend: local authority and ward boundaries with names, LSOAs
// coloured by national IMD decile or by UEC rate, UEC hotspots, and GP practices sized by list. Each layer's
// legend states its source and vintage as the API gives them (/areas/{id}/layers, the boundary collections'
// own "source", the hotspot answer's "source" and "hotspot_meaning").

/* global L */

import { api } from "./api.js";
import { escapeHtml, practiceRadius } from "./map.js";

// National IMD decile 1 (most deprived) to 10: dark = most deprived, the scale of the maps and packs. The server
// sends it with the layer list (geo.maps._style.DECILE_COLOURS); this copy only draws until that arrives.
export let IMD_COLOURS = ["#081d58", "#21318d", "#2254a3", "#1e80b8", "#31a5c2", "#5cc0bf", "#97d6b8", "#cfecb3",
  "#eff8b5", "#ffffd9"];
const UEC_COLOURS = ["#fef0d9", "#fdcc8a", "#fc8d59", "#e34a33", "#b30000"];
const SUPPRESSED = "#aeb7bd";
const HOT = "#7c2855";
const COLD = "#005eb8";
const WARD_LABELS_UP_TO = 20; // ward names are drawn once no more than this many are in view

const $ = (id) => document.getElementById(id);
const number = new Intl.NumberFormat("en-GB", { maximumFractionDigits: 0 });

export class ContextLayers {
  /** @param {import("./map.js").PlanMap} planMap */
  constructor(planMap, { onChange } = {}) {
    this.planMap = planMap;
    this.map = planMap.map;
    this.onChange = onChange || (() => {});
    this.reset();
    for (const id of ["layer-lad", "layer-ward", "layer-hotspots", "layer-practices"]) {
      $(id).addEventListener("change", () => this.apply().catch((error) => this.onChange(error)));
    }
    for (const radio of document.querySelectorAll("input[name=fill]")) {
      radio.addEventListener("change", () => this.apply().catch((error) => this.onChange(error)));
    }
    this.map.on("moveend", () => this.placeWardLabels());
  }

  reset() {
    for (const group of Object.values(this.groups || {})) group.remove();
    this.groups = {};
    this.meta = new Map();     // layer id -> {title, source, vintage, available}
    this.units = { lad: [], ward: [] }; // [{code, name, bounds, lsoas: [codes]}]
    this.wardOf = new Map();   // lsoa code -> ward name
    this.uec = null;           // the hotspot answer of the area
    this.uecLoading = null;
    this.practices = [];       // [{code, name, list, latlng}]
    this.area = null;
  }

  /** Load the context layers of an area (boundaries, practices, sources); the UEC layer loads when first shown. */
  async load(area) {
    this.reset();
    this.area = area;
    const id = encodeURIComponent(area);
    const [{ data: meta }, { data: lads }, { data: wards }, { data: practices }] = await Promise.all([
      api(`/areas/${id}/layers`), api(`/areas/${id}/boundaries/lad`), api(`/areas/${id}/boundaries/ward`),
      api(`/areas/${id}/practices`)]);
    for (const layer of meta) this.meta.set(layer.id, layer);
    const scale = this.meta.get("imd")?.colours;
    if (Array.isArray(scale) && scale.length === 10) IMD_COLOURS = scale;
    this.groups.lad = this.boundaryGroup(lads, "lad");
    this.groups.ward = this.boundaryGroup(wards, "ward");
    this.units.lad = this.unitsOf(this.groups.lad);
    this.units.ward = this.unitsOf(this.groups.ward);
    for (const ward of this.units.ward) for (const code of ward.lsoas) this.wardOf.set(code, ward.name);
    this.groups.practices = this.planMap.setPractices(practices, (code, additive) => this.onPickPractice?.(code, additive));
    this.practices = practices.features.map((f) => ({
      code: String(f.id), name: f.properties.practice_name || String(f.id), list: f.properties.list_size,
      latlng: L.latLng(f.geometry.coordinates[1], f.geometry.coordinates[0]),
    }));
    const hasWards = wards.features.length > 0;
    $("layer-ward").disabled = !hasWards;
    $("layer-ward-hint").textContent = hasWards ? "" : "This area's atlas has no wards (LSOA 2011 geography).";
    this.planMap.describe = (code) => (this.wardOf.has(code) ? `Ward: ${this.wardOf.get(code)}` : "");
    await this.apply();
  }

  boundaryGroup(collection, level) {
    const group = L.featureGroup();
    const outline = level === "lad"
      ? { color: "#212b32", weight: 3.5, opacity: 1, fill: false }
      : { color: "#425563", weight: 1.5, dashArray: "3 3", opacity: 1, fill: false };
    const shapes = L.geoJSON(collection, {
      pane: "app-boundaries", interactive: false, style: () => outline,
      onEachFeature: (feature, layer) => {
        layer.on("add", () => layer.getElement()?.setAttribute(`data-${level}`, String(feature.id)));
      },
    });
    group.addLayer(shapes);
    const labels = L.layerGroup();
    for (const feature of collection.features) {
      const { label_lat: lat, label_lon: lon, name } = feature.properties;
      if (lat === null || lat === undefined) continue;
      labels.addLayer(L.tooltip({ permanent: true, direction: "center", interactive: false, className: `app-label app-label--${level}` })
        .setLatLng([lat, lon]).setContent(escapeHtml(name)));
    }
    group.shapes = shapes;
    group.labels = labels;
    group.source = collection;
    return group;
  }

  unitsOf(group) {
    const units = [];
    group.shapes.eachLayer((layer) => {
      const { feature } = layer;
      units.push({ code: String(feature.id), name: feature.properties.name, bounds: layer.getBounds(),
        lsoas: feature.properties.lsoa_codes || [] });
    });
    return units;
  }

  fill() {
    return document.querySelector("input[name=fill]:checked")?.value || "neighbourhood";
  }

  /** Show the layers the controls ask for and write the legend. */
  async apply() {
    const wantUec = this.fill() === "uec" || $("layer-hotspots").checked;
    if (wantUec && !this.uec) {
      this.uecLoading = this.uecLoading || this.loadUec(); // once, however many controls change meanwhile
      await this.uecLoading;
    }
    const fill = this.fill();
    if (fill === "imd") this.planMap.setTheme((code) => imdColour(this.planMap.layers.get(code)?.feature.properties.imd_decile));
    else if (fill === "uec") this.planMap.setTheme((code) => this.uecColour(code));
    else this.planMap.setTheme(null);
    this.toggle("lad", $("layer-lad").checked);
    this.toggle("ward", $("layer-ward").checked && !$("layer-ward").disabled);
    this.toggle("hotspots", $("layer-hotspots").checked);
    this.planMap.showPractices($("layer-practices").checked);
    this.placeWardLabels();
    this.renderLegend();
    this.onChange(null);
  }

  toggle(id, on) {
    const group = this.groups[id];
    if (!group) return;
    if (on) { group.addTo(this.map); if (id === "lad") group.labels.addTo(this.map); } else { group.remove(); group.labels?.remove(); }
  }

  placeWardLabels() {
    const group = this.groups.ward;
    if (!group) return;
    const on = this.map.hasLayer(group);
    const view = this.map.getBounds();
    const inView = this.units.ward.filter((u) => view.intersects(u.bounds)).length;
    if (on && inView <= WARD_LABELS_UP_TO) group.labels.addTo(this.map); else group.labels.remove();
  }

  async loadUec() {
    const { data } = await api(`/areas/${encodeURIComponent(this.area)}/hotspots`);
    this.uec = data;
    const rates = data.lsoas.map((row) => row.rate_per_1000).filter((r) => r !== null).sort((a, b) => a - b);
    this.uecRate = new Map(data.lsoas.map((row) => [row.lsoa_code, row.rate_per_1000]));
    this.uecBreaks = [0.2, 0.4, 0.6, 0.8].map((q) => Math.round(rates[Math.floor(q * (rates.length - 1))] ?? 0));
    const features = [];
    for (const row of data.lsoas) {
      if (row.hotspot !== "high" && row.hotspot !== "low") continue;
      const feature = this.planMap.layers.get(row.lsoa_code)?.feature;
      if (feature) features.push({ ...feature, properties: { ...feature.properties, hotspot: row.hotspot } });
    }
    this.groups.hotspots = L.geoJSON({ type: "FeatureCollection", features }, {
      pane: "app-hotspots", interactive: false,
      style: (f) => (f.properties.hotspot === "high"
        ? { color: HOT, weight: 3.5, fillColor: HOT, fillOpacity: 0.25, opacity: 1 }
        : { color: COLD, weight: 2.5, dashArray: "5 4", fillColor: COLD, fillOpacity: 0.12, opacity: 1 }),
      onEachFeature: (feature, layer) => {
        layer.on("add", () => layer.getElement()?.setAttribute("data-hotspot", feature.properties.hotspot));
      },
    });
  }

  uecColour(code) {
    const rate = this.uecRate?.get(code);
    if (rate === null || rate === undefined) return SUPPRESSED;
    const band = this.uecBreaks.filter((b) => rate >= b).length;
    return UEC_COLOURS[band];
  }

  /** The legend of every layer shown, each with its source and vintage. */
  renderLegend() {
    const items = [];
    const source = (id) => {
      const m = this.meta.get(id);
      return m ? `Source: ${m.source}${m.vintage ? ` (${m.vintage})` : ""}.` : "";
    };
    const fill = this.fill();
    if (fill === "neighbourhood") {
      items.push(entry("LSOAs coloured by neighbourhood", [], "Colours match the swatches in the neighbourhood table."));
    } else if (fill === "imd") {
      items.push(entry(this.meta.get("imd")?.title || "National IMD decile",
        IMD_COLOURS.map((c, i) => [c, i === 0 ? "1 most deprived" : i === 9 ? "10 least deprived" : String(i + 1)]), source("imd")));
    } else if (this.uec) {
      const b = this.uecBreaks;
      const bands = [`under ${number.format(b[0])}`, `${number.format(b[0])}–${number.format(b[1])}`, `${number.format(b[1])}–${number.format(b[2])}`,
        `${number.format(b[2])}–${number.format(b[3])}`, `${number.format(b[3])} and over`];
      items.push(entry(`UEC attendances per 1,000 residents (${this.uec.uec_kind})`,
        [...UEC_COLOURS.map((c, i) => [c, bands[i]]), [SUPPRESSED, "suppressed"]], `Source: ${this.uec.source}`));
    }
    if ($("layer-lad").checked) items.push(entry(this.meta.get("lad")?.title, [["line:#212b32:solid", "Local authority boundary"]], source("lad")));
    if ($("layer-ward").checked && !$("layer-ward").disabled) {
      items.push(entry(this.meta.get("ward")?.title, [["line:#425563:dashed", "Ward boundary (names shown when zoomed in)"]], source("ward")));
    }
    if ($("layer-hotspots").checked && this.uec) {
      items.push(entry(`UEC hotspots (${this.uec.uec_kind})`, [[`fill:${HOT}`, "Hotspot (high)"], [`fill:${COLD}`, "Coldspot (low)"]],
        this.uec.hotspot_meaning));
    }
    if ($("layer-practices").checked) {
      items.push(entry(this.meta.get("practices")?.title, [5000, 15000, 30000].map((n) => [`circle:${practiceRadius(n)}`, `${number.format(n)} patients`]),
        `${source("practices")} Coloured by neighbourhood in plans built from practices.`));
    }
    if (this.planMap.outside.size) {
      items.push(entry("Neighbourhoods outside tolerance", [["line:#d5281b:dashed", `Outside the plan's tolerance: ${[...this.planMap.outside].join(", ")}`]], ""));
    }
    $("legend").replaceChildren(...items);
  }
}

function imdColour(decile) {
  return decile >= 1 && decile <= 10 ? IMD_COLOURS[decile - 1] : SUPPRESSED;
}

/** One legend entry: a title, keys [[colour or "line:c:style" / "fill:c" / "circle:r", text]], a source line. */
function entry(title, keys, note) {
  const box = document.createElement("div");
  box.className = "app-legend__entry";
  const heading = document.createElement("p");
  heading.className = "app-legend__title";
  heading.textContent = title || "";
  box.append(heading);
  if (keys.length) {
    const list = document.createElement("ul");
    list.className = "app-legend__keys";
    for (const [key, text] of keys) {
      const item = document.createElement("li");
      const swatch = document.createElement("span");
      swatch.setAttribute("aria-hidden", "true");
      swatch.className = "app-legend__swatch";
      if (key.startsWith("line:")) {
        const [, colour, style] = key.split(":");
        swatch.classList.add("app-legend__swatch--line");
        swatch.style.borderTop = `3px ${style} ${colour}`;
      } else if (key.startsWith("circle:")) {
        const r = Number(key.split(":")[1]);
        swatch.classList.add("app-legend__swatch--circle");
        Object.assign(swatch.style, { width: `${2 * r}px`, height: `${2 * r}px` });
      } else {
        swatch.style.background = key.replace(/^fill:/, "");
      }
      item.append(swatch, text);
      list.append(item);
    }
    box.append(list);
  }
  if (note) {
    const p = document.createElement("p");
    p.className = "app-legend__source";
    p.textContent = note;
    box.append(p);
  }
  return box;
}
