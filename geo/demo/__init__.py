"""A small synthetic region ("Demoshire") written as official-layout files, for the offline first run.

>>> from geo.demo import DEMO_AREA, demo_data_dir, write_demo_region
>>> DEMO_AREA
'Q99'

The region has 200 LSOAs (2021) and about 320,000 residents in a unitary city and a two-tier county (market towns;
rural with an island and an estuary bottleneck), 30 practices in 8 PCNs, and every file the atlas reads, in both
LSOA vintages. See ``data/demo/README.md`` and the modules below:

- :mod:`geo.demo.codes` – codes and names that cannot collide with real ones
- :mod:`geo.demo.shapes`, :mod:`geo.demo.lsoas` – boundaries and the LSOA 2011/2021 correspondence
- :mod:`geo.demo.population`, :mod:`geo.demo.deprivation`, :mod:`geo.demo.services` – what is drawn
- :mod:`geo.demo.file_formats`, :mod:`geo.demo.tables`, :mod:`geo.demo.tables_gp` – the published layouts
- :mod:`geo.demo.store` – writing with a manifest; finding an up-to-date copy
"""

from geo.demo.codes import DEMO_AREA
from geo.demo.store import GENERATOR_VERSION, demo_data_dir, is_current, write_demo_region

__all__ = ["DEMO_AREA", "GENERATOR_VERSION", "demo_data_dir", "is_current", "write_demo_region"]
