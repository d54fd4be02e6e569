"""Colours, class breaks, legends, attribution and the text rules (escaping, small counts) of every map.

Palettes come from ColorBrewer through :func:`branca.utilities.color_brewer` and are colour-blind safe: YlGnBu
(sequential) for deprivation deciles, YlOrRd (sequential) for rates, the ends and neutral middle of RdBu for Gi*
hot and cold spots. Class breaks for continuous values come from :mod:`mapclassify`; deciles keep the fixed
classes 1..10 so two maps of different areas read the same way.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence

import mapclassify
import numpy as np
import pandas as pd
from branca.element import Element, MacroElement, Template
from branca.utilities import color_brewer

from geo.disclosure import is_disclosive, suppress

from geo.maps.scales import DECILE_COLOURS, QUINTILE_COLOURS  # noqa: E402,F401  (dark = more deprived)

_RDBU = color_brewer("RdBu", 5)
HOTSPOT_COLOURS = {"high": _RDBU[0], "low": _RDBU[-1], "": _RDBU[2]}
HOTSPOT_LABELS = {"high": "Hot spot (high, Gi*)", "low": "Cold spot (low, Gi*)", "": "Not significant"}
MISSING_COLOUR = "#bdbdbd"
BACKGROUND = "#f4f3ef"

ATTRIBUTION_LINES = (
    "Contains OS data © Crown copyright and database right 2025",
    "Contains public sector information licensed under the Open Government Licence v3.0",
    "Contains information from NHS England, licensed under the current version of the Open Government Licence",
)
OGL_URL = "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"

PAGE_CSS = f"""<style>
body .leaflet-container {{ background: {BACKGROUND}; }}  /* outranks Leaflet's own #ddd */
.nhp-box {{ background: rgba(255,255,255,0.92); padding: 6px 9px; border-radius: 4px;
  box-shadow: 0 1px 4px rgba(0,0,0,0.3); font: 12px/1.35 system-ui, sans-serif; max-width: 260px; }}
.nhp-box h4 {{ margin: 0 0 4px; font-size: 13px; }}
.nhp-box i {{ display: inline-block; width: 14px; height: 12px; margin-right: 6px; vertical-align: middle;
  border: 1px solid #777; }}
.nhp-box .nhp-source {{ margin-top: 4px; color: #555; font-size: 11px; }}
.nhp-title {{ font-size: 15px; font-weight: 600; max-width: 420px; }}
.leaflet-tooltip.nhp-label {{ background: rgba(255,255,255,0.8); border: 0; box-shadow: none;
  font-weight: 600; padding: 0 3px; text-align: center; line-height: 1.2; }}
.leaflet-tooltip.nhp-label table {{ margin: 0; }}
</style>"""


def esc(value) -> str:
    """Return ``value`` as HTML-escaped text (``None``/NaN become an empty string).

    Leaflet tooltips and popups set ``innerHTML``, so every name from a data file is escaped here first. Braces
    become character references too: Folium renders its output a second time as a Jinja template, and a name
    holding ``{{`` would otherwise run there (see :mod:`geo.maps._safety`); the browser still shows ``{``.

    Examples
    --------
    >>> esc("<script>alert(1)</script>")
    '&lt;script&gt;alert(1)&lt;/script&gt;'
    >>> esc("ZZ{{ 7*7 }}ZZ")
    'ZZ&#123;&#123; 7*7 &#125;&#125;ZZ'
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return html.escape(str(value), quote=True).replace("{", "&#123;").replace("}", "&#125;")


def count_text(value, *, missing: str = "not available", threshold: int | None = None) -> str:
    """Format a count of people for display, showing "suppressed" for 1..threshold (default the setting).

    The rule is :func:`geo.disclosure.is_disclosive`: fractional counts (registrations bridged between LSOA
    vintages) are suppressed when they would display as 1..threshold, so 7.4 patients never appears.

    Examples
    --------
    >>> count_text(12345), count_text(5), count_text(0), count_text(float("nan"))
    ('12,345', 'suppressed', '0', 'not available')
    """
    if value is None or pd.isna(value):
        return missing
    if is_disclosive(value, threshold):
        return "suppressed"
    return f"{round(float(value)):,}"


def number_text(value, digits: int = 1, *, missing: str = "not available", signed: bool = False) -> str:
    """Format a rate, ratio or percentage with ``digits`` decimals (``missing`` for NaN).

    Examples
    --------
    >>> number_text(3.14159, 2), number_text(-2.5, signed=True), number_text(None)
    ('3.14', '-2.5', 'not available')
    """
    if value is None or pd.isna(value):
        return missing
    return f"{float(value):{'+' if signed else ''},.{digits}f}"


def rate_classes(values: pd.Series, *, k: int = 5, scheme: str = "FisherJenks"):
    """Classify rates with :func:`mapclassify.classify`; return (class per value, colours, labels).

    NaN values (suppressed or missing) get class ``-1``. Fisher-Jenks is the deterministic form of natural
    breaks, so the same data always draws the same map.

    Examples
    --------
    >>> cls, colours, labels = rate_classes(pd.Series([1.0, 2.0, 10.0, 11.0, None]), k=2)
    >>> cls.tolist(), labels
    ([0, 0, 1, 1, -1], ['1.0 to 2.0', 'over 2.0 to 11.0'])
    """
    classes = pd.Series(-1, index=values.index, dtype=int)
    known = values.dropna().astype(float)
    if known.empty:
        return classes, [], []
    k = max(1, min(k, known.nunique()))
    if k == 1:
        classes[known.index] = 0
        bins = [float(known.max())]
    else:
        result = mapclassify.classify(known.to_numpy(), scheme, k=k)
        classes[known.index] = result.yb
        bins = list(result.bins)
    palette = color_brewer("YlOrRd", max(3, len(bins)))
    colours = palette if len(bins) >= 3 else [palette[0], palette[-1]][-len(bins) :]
    lows = [float(known.min())] + bins[:-1]
    labels = [f"{'over ' if i else ''}{lo:,.1f} to {hi:,.1f}" for i, (lo, hi) in enumerate(zip(lows, bins))]
    return classes, colours, labels


class Legend(MacroElement):
    """A legend box tied to one layer: shown while the layer is on, hidden when the user switches it off.

    Parameters
    ----------
    layer
        The folium layer (FeatureGroup) the legend explains.
    title
        Legend heading (plain text; escaped here).
    items
        ``(colour, label)`` pairs; ``colour`` may be ``("circle", colour)`` for point symbols or
        ``("line", colour, "solid"|"dashed")`` for outlines.
    source
        Source and vintage line shown under the items (plain text; escaped here).
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.control({position: {{ this.position|tojson }}});
        {{ this.get_name() }}.onAdd = function () {
            var div = L.DomUtil.create('div', 'nhp-box nhp-legend');
            div.innerHTML = {{ this.html|tojson }};
            L.DomEvent.disableClickPropagation(div);
            return div;
        };
        (function (map, layer, legend) {
            if (map.hasLayer(layer)) { legend.addTo(map); }
            map.on('overlayadd', function (e) { if (e.layer === layer) { legend.addTo(map); } });
            map.on('overlayremove', function (e) { if (e.layer === layer) { legend.remove(); } });
        })({{ this._parent.get_name() }}, {{ this.layer.get_name() }}, {{ this.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, layer, title: str, items: Sequence[tuple], source: str, position: str = "bottomright"):
        super().__init__()
        self._name = "Legend"
        self.layer = layer
        self.position = position
        rows = []
        for colour, label in items:
            if isinstance(colour, tuple) and colour[0] == "line":
                swatch = f'<i style="background:none;border:2px {esc(colour[2])} {esc(colour[1])}"></i>'
            elif isinstance(colour, tuple):
                swatch = f'<i style="background:{esc(colour[1])};border-radius:50%"></i>'
            else:
                swatch = f'<i style="background:{esc(colour)}"></i>'
            rows.append(f"{swatch}{esc(label)}")
        self.html = (
            f"<h4>{esc(title)}</h4>" + "<br>".join(rows) + f'<div class="nhp-source">Source: {esc(source)}</div>'
        )


class Caption(MacroElement):
    """A fixed text box (map title) and the map's attribution lines, added once per map."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        {%- if this.title %}
        var {{ this.get_name() }} = L.control({position: 'topleft'});
        {{ this.get_name() }}.onAdd = function () {
            var div = L.DomUtil.create('div', 'nhp-box nhp-title');
            div.innerHTML = {{ this.title|tojson }};
            return div;
        };
        {{ this.get_name() }}.addTo({{ this._parent.get_name() }});
        {%- endif %}
        if ({{ this._parent.get_name() }}.attributionControl) {
            {{ this._parent.get_name() }}.attributionControl.addAttribution({{ this.attribution|tojson }});
        }
        {% endmacro %}
        """
    )

    def __init__(self, title: str | None):
        super().__init__()
        self._name = "Caption"
        self.title = esc(title) if title else ""
        lines = [esc(line) for line in ATTRIBUTION_LINES]
        lines[1] = lines[1].replace(
            "Open Government Licence v3.0", f'<a href="{OGL_URL}">Open Government Licence v3.0</a>'
        )
        self.attribution = " | ".join(lines)


class Labels(MacroElement):
    """Permanent text labels at points, added to the layer they belong to (shown and hidden with it).

    One standalone Leaflet tooltip per point: a permanent tooltip bound to a whole GeoJSON layer opens on one
    feature only, so such a layer would label one neighbourhood of many. Labels never overlap: after every zoom,
    pan or layer change, a label that would overlap one shown before it is hidden (the items come first to last in
    order of importance, the larger footprints first), as the planner page does; zooming in shows it, and the full
    name is in the outline's tooltip.

    Parameters
    ----------
    items
        ``(lat, lon, text)`` triples; ``text`` is already HTML-escaped (it is set as ``innerHTML``).

    Examples
    --------
    >>> import folium
    >>> group = folium.FeatureGroup(name="footprints").add_to(folium.Map(tiles=None))
    >>> _ = group.add_child(Labels([(52.6, -1.1, "North"), (52.5, -1.2, "South &amp; East")]))
    >>> page = group.get_root().render()
    >>> "North" in page and page.count("L.tooltip") == 1  # one call, in a loop over the points
    True
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var group = {{ this._parent.get_name() }};
            var tips = [];
            {{ this.items|tojson }}.forEach(function (item) {
                tips.push(L.tooltip({permanent: true, direction: 'center', className: 'nhp-label', interactive: false})
                    .setLatLng([item[0], item[1]]).setContent(item[2]).addTo(group));
            });
            function declutter() {
                var shown = [];
                tips.forEach(function (tip) {
                    var element = tip.getElement();
                    if (!element) { return; }
                    element.style.visibility = '';
                    var box = element.getBoundingClientRect();
                    var clash = shown.some(function (o) {
                        return box.left < o.right + 2 && box.right > o.left - 2
                            && box.top < o.bottom + 1 && box.bottom > o.top - 1;
                    });
                    if (clash) { element.style.visibility = 'hidden'; } else { shown.push(box); }
                });
                map.getContainer().setAttribute('data-labels-decluttered', '');
            }
            var map = {{ this._parent._parent.get_name() }};
            map.on('zoomend moveend overlayadd', function () { setTimeout(declutter, 0); });
            map.whenReady(function () { setTimeout(declutter, 0); });
        })();
        {% endmacro %}
        """
    )

    def __init__(self, items: Sequence[tuple[float, float, str]]):
        super().__init__()
        self._name = "Labels"
        self.items = [[round(float(lat), 5), round(float(lon), 5), str(text)] for lat, lon, text in items]


def add_page_style(m) -> None:
    """Add the light background and legend/label styles to the page head (once per map)."""
    m.get_root().header.add_child(Element(PAGE_CSS), name="nhp_css")


def decile_items(label: str = "decile") -> list[tuple[str, str]]:
    """Legend rows for the fixed decile classes 1..10.

    Examples
    --------
    >>> decile_items()[0]
    ('#081d58', '1 (most deprived 10%)')
    """
    names = {1: " (most deprived 10%)", 10: " (least deprived 10%)"}
    return [(DECILE_COLOURS[d - 1], f"{d}{names.get(d, '')}") for d in range(1, 11)]


def decile_colour(value) -> str:
    """Colour of a decile 1..10; grey for anything else (missing)."""
    if value is None or pd.isna(value) or not 1 <= int(value) <= 10:
        return MISSING_COLOUR
    return DECILE_COLOURS[int(value) - 1]


def radius_for(list_sizes: pd.Series, *, smallest: float = 3.0, largest: float = 14.0) -> pd.Series:
    """Circle radius in pixels with area proportional to list size; suppressed or missing sizes get the smallest.

    Examples
    --------
    >>> radius_for(pd.Series([10_000, 40_000, 5])).round(1).tolist()
    [7.0, 14.0, 3.0]
    """
    sizes = suppress(list_sizes)  # a circle must not reveal a suppressed list size either
    top = sizes.max()
    if pd.isna(top) or top <= 0:
        return pd.Series(smallest, index=list_sizes.index)
    return (np.sqrt(sizes / top) * largest).clip(lower=smallest).fillna(smallest)
