// The Leaflet map of a study area: LSOAs filled by neighbourhood, footprint outlines on top, each labelled with
// its short name, and selection by click, Ctrl/⌘-click and Shift-drag rectangle. No basemap tiles (the page works
// offline): a light background.

/* global L */

import { labelLines } from "./names.js";

// Distinguishable fills on the light map background; the neighbourhood table shows the same swatch beside each
// name, so colour is never the only way to tell neighbourhoods apart (tooltips and the table name them).
export const PALETTE = [
  "#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#b07aa1", "#edc948",
  "#76b7b2", "#ff9da7", "#9c755f", "#8cd17d", "#a0cbe8", "#d4a6c8",
  "#86bcb6", "#f1ce63", "#bab0ac", "#ffbe7d",
];
const UNASSIGNED = "#d8dde0";
const OUTLINE = "#ffffff";
const FOOTPRINT = "#212b32";
const SELECTED = "#212b32";
const OUTSIDE = "#d5281b";

/** Marker radius in pixels: the area grows with the registered list (about 9 px for 15,000 patients). */
export function practiceRadius(listSize) {
  return 3 + 6 * Math.sqrt(Math.max(0, listSize || 0) / 15000);
}

export class PlanMap {
  /**
   * @param {HTMLElement} element the map container
   * @param {{onPick: function(string, boolean): void, onBox: function(string[]): void}} handlers
   *   onPick(code, additive) for a click (additive with Ctrl/⌘/Shift); onBox(codes) for a Shift-drag rectangle
   */
  constructor(element, handlers) {
    this.handlers = handlers;
    this.map = L.map(element, { boxZoom: false, zoomSnap: 0.25, attributionControl: true });
    this.map.attributionControl.setPrefix('<a href="https://leafletjs.com">Leaflet</a>');
    this.map.setView([53.0, -1.5], 6);
    this.lsoas = null;
    this.footprints = null;
    this.layers = new Map();     // lsoa code -> Leaflet layer
    this.colours = new Map();    // lsoa code -> fill colour
    this.names = new Map();      // lsoa code -> neighbourhood name (for the tooltip)
    this.selected = new Set();
    this.suppressClick = false;
    this.theme = null;           // code -> fill colour when the LSOAs are coloured by a context layer
    this.outside = new Set();    // neighbourhoods outside tolerance (their footprint outline is red and dashed)
    this.practices = null;
    this.practiceLayers = new Map();
    this.practiceColours = new Map();
    this.selectedPractices = new Set();
    // Context layers draw in their own panes above the LSOAs; only the practices take clicks.
    for (const [name, z] of [["app-hotspots", 430], ["app-boundaries", 440], ["app-footprints", 450], ["app-highlight", 455], ["app-practices", 460]]) {
      this.map.createPane(name).style.zIndex = String(z);
      this.map.getPane(name).classList.add("app-pane");
    }
    this.installBoxSelect();
    // Labels never overlap: after every zoom, pan or new layer, the ones that would collide are hidden.
    this.map.on("zoomend moveend layeradd", () => this.scheduleDeclutter());
  }

  scheduleDeclutter() {
    cancelAnimationFrame(this.declutterFrame);
    this.declutterFrame = requestAnimationFrame(() => this.declutter());
  }

  /**
   * Hide labels that would overlap one shown before them: neighbourhood names first, the larger footprints
   * first, then the boundary names of the context layers (local authorities, wards). The full name of any
   * hidden one is in the LSOA tooltips and the table; zooming in shows it.
   */
  declutter() {
    const hoods = [];
    this.footprints?.eachLayer((layer) => {
      const element = layer.getTooltip()?.getElement();
      if (!element) return;
      const bounds = layer.getBounds();
      const nw = this.map.latLngToContainerPoint(bounds.getNorthWest());
      const se = this.map.latLngToContainerPoint(bounds.getSouthEast());
      hoods.push({ element, size: Math.abs((se.x - nw.x) * (se.y - nw.y)) });
    });
    hoods.sort((a, b) => b.size - a.size);
    const context = [...this.map.getContainer().querySelectorAll(".leaflet-tooltip.app-label")].map((element) => ({ element }));
    const shown = [];
    for (const { element } of [...hoods, ...context]) {
      element.style.visibility = "";
      const box = element.getBoundingClientRect();
      const clash = shown.some((other) => box.left < other.right + 2 && box.right > other.left - 2
        && box.top < other.bottom + 1 && box.bottom > other.top - 1);
      if (clash) element.style.visibility = "hidden"; else shown.push(box);
    }
  }

  /** Draw the LSOAs of an area (a GeoJSON FeatureCollection from /areas/{id}/lsoas) and fit the view. */
  setLsoas(geojson, attribution) {
    if (this.lsoas) this.lsoas.remove();
    if (this.footprints) { this.footprints.remove(); this.footprints = null; }
    this.layers.clear();
    this.colours.clear();
    this.names.clear();
    this.selected.clear();
    this.lsoas = L.geoJSON(geojson, {
      attribution,
      style: () => this.styleOf(null),
      onEachFeature: (feature, layer) => {
        const code = String(feature.id);
        this.layers.set(code, layer);
        layer.feature.properties.code = code;
        layer.on("add", () => layer.getElement()?.setAttribute("data-lsoa", code));
        layer.bindTooltip(() => this.tooltipOf(code), { sticky: true });
        // Leaflet makes a layer with a tooltip a tab stop; hundreds of LSOAs would bury the controls after the
        // map, so the keyboard reaches LSOAs through the search and the code field instead.
        layer.on("add", () => layer.getElement()?.setAttribute("tabindex", "-1"));
        layer.on("click", (event) => {
          if (this.suppressClick) { this.suppressClick = false; return; }
          const e = event.originalEvent;
          this.handlers.onPick(code, e.ctrlKey || e.metaKey || e.shiftKey);
        });
      },
    }).addTo(this.map);
    this.map.fitBounds(this.lsoas.getBounds(), { padding: [8, 8] });
  }

  tooltipOf(code) {
    const props = this.layers.get(code).feature.properties;
    const name = this.names.get(code);
    const where = name ? ` — ${escapeHtml(name)}` : "";
    const extra = this.describe ? this.describe(code) : "";
    return `<strong>${escapeHtml(code)}</strong> ${escapeHtml(props.lsoa_name || "")}${where}${extra ? `<br>${escapeHtml(extra)}` : ""}`;
  }

  styleOf(code) {
    const selected = code !== null && this.selected.has(code);
    return {
      color: selected ? SELECTED : OUTLINE,
      weight: selected ? 3.5 : 0.8,
      dashArray: selected ? "6 3" : null,
      fillColor: (code !== null && (this.theme ? this.theme(code) : this.colours.get(code))) || UNASSIGNED,
      fillOpacity: selected ? 0.95 : 0.78,
    };
  }

  /** Colour every LSOA by its neighbourhood: assignment {code: name}, colourOf(name) -> colour. */
  setAssignment(assignment, colourOf) {
    this.colours.clear();
    this.names.clear();
    for (const [code, name] of Object.entries(assignment || {})) {
      this.colours.set(code, colourOf(name));
      this.names.set(code, name);
    }
    this.restyle();
  }

  setSelection(codes) {
    this.selected = new Set(codes);
    this.restyle();
    for (const code of this.selected) this.layers.get(code)?.bringToFront();
    if (this.footprints) this.footprints.bringToFront();
  }

  restyle() {
    for (const [code, layer] of this.layers) layer.setStyle(this.styleOf(code));
  }

  /** Outline the neighbourhood footprints (GeoJSON from the plan export); null removes them. */
  setFootprints(geojson) {
    if (this.footprints) this.footprints.remove();
    this.footprints = null;
    if (!geojson) return;
    this.footprints = L.geoJSON(geojson, {
      interactive: false,
      pane: "app-footprints",
      style: (feature) => this.footprintStyle(feature),
      onEachFeature: (feature, layer) => {
        layer.on("add", () => layer.getElement()?.setAttribute("data-footprint", feature.properties.name));
        // The short name at the footprint's centre, on up to three lines (never cut inside a word); the full name
        // is in the LSOA tooltips and the table.
        layer.bindTooltip(labelLines(feature.properties.name).map(escapeHtml).join("<br>"), {
          permanent: true, direction: "center", className: "app-hood-label", interactive: false, opacity: 1,
        });
      },
    }).addTo(this.map);
    this.scheduleDeclutter();
  }

  footprintStyle(feature) {
    const outside = this.outside.has(feature?.properties?.name);
    return outside
      ? { color: OUTSIDE, weight: 4, dashArray: "10 5", fill: false, opacity: 1 }
      : { color: FOOTPRINT, weight: 2.5, fill: false, opacity: 0.9 };
  }

  /** Neighbourhoods outside the plan's tolerance: their footprints are outlined in red, dashed. */
  setOutside(names) {
    this.outside = new Set(names);
    this.footprints?.setStyle((feature) => this.footprintStyle(feature));
  }

  /** Colour the LSOAs by a context layer (code -> colour), or by neighbourhood again with null. */
  setTheme(theme) {
    this.theme = theme;
    this.restyle();
  }

  /**
   * GP practice markers (GeoJSON points from /areas/{id}/practices), area proportional to the registered list.
   * onPick(code, additive) is called for a click when picking practices (list-based plans).
   */
  setPractices(geojson, onPick) {
    if (this.practices) this.practices.remove();
    this.practiceLayers.clear();
    this.selectedPractices.clear();
    this.practices = L.geoJSON(geojson, {
      pointToLayer: (feature, latlng) => L.circleMarker(latlng, { pane: "app-practices", radius: practiceRadius(feature.properties.list_size) }),
      style: (feature) => this.practiceStyle(String(feature.id)),
      onEachFeature: (feature, layer) => {
        const code = String(feature.id);
        this.practiceLayers.set(code, layer);
        layer.on("add", () => layer.getElement()?.setAttribute("data-practice", code));
        layer.bindTooltip(() => {
          const p = feature.properties;
          const hood = this.practiceNames?.get(code);
          const list = p.list_size === null ? "list suppressed" : `${Math.round(p.list_size).toLocaleString("en-GB")} registered`;
          return `<strong>${escapeHtml(p.practice_name || code)}</strong> (${escapeHtml(code)})<br>${list}${hood ? `<br>in ${escapeHtml(hood)}` : ""}`;
        });
        layer.on("add", () => layer.getElement()?.setAttribute("tabindex", "-1"));
        layer.on("click", (event) => {
          L.DomEvent.stopPropagation(event);
          const e = event.originalEvent;
          this.onPickPractice?.(code, e.ctrlKey || e.metaKey || e.shiftKey);
        });
      },
    });
    this.onPickPractice = onPick;
    return this.practices;
  }

  practiceStyle(code) {
    const selected = this.selectedPractices.has(code);
    return {
      color: selected ? SELECTED : "#212b32",
      weight: selected ? 4 : 1.5,
      dashArray: selected ? "4 2" : null,
      fillColor: this.practiceColours.get(code) || "#ffffff",
      fillOpacity: 0.9,
    };
  }

  /** Colour practice markers by neighbourhood (list-based plans): {practice code: name}; null for white. */
  setPracticeAssignment(assignment, colourOf) {
    this.practiceColours.clear();
    this.practiceNames = new Map(Object.entries(assignment || {}));
    for (const [code, name] of this.practiceNames) this.practiceColours.set(code, colourOf(name));
    this.restylePractices();
  }

  setPracticeSelection(codes) {
    this.selectedPractices = new Set(codes);
    this.restylePractices();
  }

  restylePractices() {
    for (const [code, layer] of this.practiceLayers) layer.setStyle(this.practiceStyle(code));
  }

  showPractices(on) {
    if (!this.practices) return;
    if (on) this.practices.addTo(this.map); else this.practices.remove();
  }

  /** Zoom to bounds and outline them for a few seconds (the place a search found). */
  highlight(bounds, latlng) {
    if (this.highlighted) this.highlighted.remove();
    if (latlng) {
      this.map.setView(latlng, Math.max(this.map.getZoom(), 13));
      this.highlighted = L.circleMarker(latlng, { pane: "app-highlight", radius: 18, color: SELECTED, weight: 3, fill: false, interactive: false });
    } else {
      this.map.fitBounds(bounds, { padding: [24, 24], maxZoom: 14 });
      this.highlighted = L.rectangle(bounds, { pane: "app-highlight", color: SELECTED, weight: 3, dashArray: "2 6", fill: false, interactive: false });
    }
    this.highlighted.addTo(this.map);
    clearTimeout(this.highlightTimer);
    this.highlightTimer = setTimeout(() => { this.highlighted?.remove(); this.highlighted = null; }, 4000);
  }

  /** Shift-drag draws a rectangle and selects the LSOAs whose centre lies inside it. */
  installBoxSelect() {
    const container = this.map.getContainer();
    let start = null;
    let box = null;
    const finish = (event) => {
      if (!start) return;
      const end = this.map.mouseEventToLatLng(event);
      const moved = this.map.latLngToContainerPoint(start).distanceTo(this.map.latLngToContainerPoint(end));
      if (box) box.remove();
      box = null;
      this.map.dragging.enable();
      if (moved > 4) {
        const bounds = L.latLngBounds(start, end);
        const codes = [...this.layers].filter(([, layer]) => bounds.contains(layer.getBounds().getCenter()))
          .map(([code]) => code);
        this.suppressClick = true;
        setTimeout(() => { this.suppressClick = false; }, 0);
        this.handlers.onBox(codes);
      }
      start = null;
    };
    container.addEventListener("mousedown", (event) => {
      if (!event.shiftKey || event.button !== 0 || !this.lsoas) return;
      start = this.map.mouseEventToLatLng(event);
      this.map.dragging.disable();
      event.preventDefault();
    });
    container.addEventListener("mousemove", (event) => {
      if (!start) return;
      const bounds = L.latLngBounds(start, this.map.mouseEventToLatLng(event));
      if (box) box.setBounds(bounds);
      else box = L.rectangle(bounds, { color: SELECTED, weight: 2, dashArray: "4 4", fill: false, interactive: false }).addTo(this.map);
    });
    window.addEventListener("mouseup", finish);
  }

  /** True when the map has drawn its LSOA polygons. */
  get ready() {
    return this.layers.size > 0;
  }
}

export function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}
