"""Rendering a Folium map so that no data can ever run as a template.

Folium and branca render a map twice: each element's Jinja macro writes its JavaScript, and branca wraps that
output in a new ``Element(output)``, which compiles it as a *template* and renders it again. So any text that
reaches the page (a neighbourhood name, a ward from a file, a layer name, a GeoJSON feature id) is Jinja
source on the second pass: ``{{ 7*7 }}`` prints 49 and ``{{ lipsum.__globals__.os.popen(...) }}`` runs a
command. Jinja's three openers all begin with ``{``, so a string with no ``{`` cannot open a tag.

Two layers keep data inert:

- every display string is made by :func:`geo.maps._style.esc`, which writes ``{`` and ``}`` as the character
  references ``&#123;`` and ``&#125;`` (the browser shows the braces; Jinja sees none);
- :func:`render_page`, the one way a map becomes HTML, first walks the whole element tree and defuses any string
  that still holds a Jinja opener (ids, layer names, options, GeoJSON properties: anything a future layer
  forgets to escape), then renders. The element's own templates (``_template``) are code and are left alone.
"""

from __future__ import annotations

import re

#: The openers of a Jinja variable, block or comment.
OPENERS = re.compile(r"\{[{%#]")
_CODE_ATTRIBUTES = {"_template", "_template_str", "_template_name", "_parent", "_children", "_name", "_id"}


def defuse_text(text: str) -> str:
    """Return ``text`` with every brace written as an HTML character reference when it holds a Jinja opener.

    Examples
    --------
    >>> defuse_text("ZZ{{ 7*7 }}ZZ")
    'ZZ&#123;&#123; 7*7 &#125;&#125;ZZ'
    >>> defuse_text("{'a': 1}")  # no opener: unchanged
    "{'a': 1}"
    """
    if not OPENERS.search(text):
        return text
    return text.replace("{", "&#123;").replace("}", "&#125;")


def _defuse(value, seen: set[int]):
    if isinstance(value, str):
        return defuse_text(value)
    if isinstance(value, dict):
        if id(value) in seen:
            return value
        seen.add(id(value))
        for key in list(value):
            new_key = _defuse(key, seen) if isinstance(key, str) else key
            new_value = _defuse(value[key], seen)
            if new_key is not key:
                del value[key]
            value[new_key] = new_value
        return value
    if isinstance(value, list):
        if id(value) in seen:
            return value
        seen.add(id(value))
        value[:] = [_defuse(v, seen) for v in value]
        return value
    if isinstance(value, tuple):
        return tuple(_defuse(v, seen) for v in value)
    return value


def defuse_tree(element) -> int:
    """Defuse every string held by ``element`` and its descendants, in place; return how many elements were walked.

    Examples
    --------
    >>> import folium
    >>> m = folium.Map(tiles=None)
    >>> _ = folium.FeatureGroup(name="A{{ 7*7 }}").add_to(m)
    >>> _ = defuse_tree(m)
    >>> "A49" in m.get_root().render()
    False
    """
    seen: set[int] = set()
    stack, walked = [element.get_root()], 0
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        walked += 1
        for key, value in list(vars(node).items()):
            if key in _CODE_ATTRIBUTES or callable(value):
                continue
            if hasattr(value, "_children") and hasattr(value, "get_name"):
                stack.append(value)  # a referenced element (a legend's layer, a figure's header)
                continue
            setattr(node, key, _defuse(value, seen))
        stack.extend(node._children.values())
    return walked


def render_page(m) -> str:
    """Return the map's whole HTML page, with every data string defused before the two template passes.

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> from geo.maps import plan_map
    >>> atlas = grid_atlas(2, 2)
    >>> page = render_page(plan_map(atlas, dict.fromkeys(atlas.codes, "ZZ{{ 7*7 }}ZZ")))
    >>> "ZZ49ZZ" in page, "#123; 7*7 " in page  # the expression stays as text (JSON writes & as \\u0026)
    (False, True)
    """
    defuse_tree(m)
    return m.get_root().render()
