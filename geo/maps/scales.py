"""The colour scales of every output (maps, packs, the planner page), in one light module.

Each measure has one scale everywhere, so an analyst pasting a map beside a pack or a screenshot of the page reads
them the same way. Deprivation: ColorBrewer YlGnBu reversed, so **dark = more deprived** (decile 1), as MHCLG's own
maps do. The values are written out here (no import of branca or mapclassify), so the API can send them to the
page without loading the map libraries.

Examples
--------
>>> from branca.utilities import color_brewer
>>> DECILE_COLOURS == color_brewer("YlGnBu", 10)[::-1]
True
"""

from __future__ import annotations

#: IMD deciles 1 (most deprived: darkest) to 10.
DECILE_COLOURS = [
    "#081d58",
    "#21318d",
    "#2254a3",
    "#1e80b8",
    "#31a5c2",
    "#5cc0bf",
    "#97d6b8",
    "#cfecb3",
    "#eff8b5",
    "#ffffd9",
]
#: IMD quintiles 1 (most deprived) to 5: quintile q takes decile 2q - 1's colour, so a quintile and the deciles
#: it holds read alike.
QUINTILE_COLOURS = DECILE_COLOURS[::2]
