"""Building blocks larger than an LSOA: MSOAs, electoral wards or a user's own units, kept whole by a proposal.

A proposal built from blocks contracts the LSOA graph to a block graph (each block's population summed, two
blocks adjacent when any of their LSOAs are), solves that graph with the same tree bisection as LSOAs
(:func:`block_arrays` feeds :func:`geo.propose.units.split_units`) and expands the answer back to LSOAs
(:func:`expand`). The result is an ordinary LSOA plan, so every metric and output works unchanged; its provenance
names the block type (``params["blocks"]``) and :func:`neighbourhood_blocks` lists each neighbourhood's blocks.

* **MSOAs (2021)** nest LSOAs exactly, and an LSOA's MSOA is in its name ("Leicester 014A" is in "Leicester
  014"). The code comes from the official MSOA file (``msoa21_boundaries``): each LSOA name's stem is matched to
  an MSOA name, and every LSOA must match exactly one, or the proposal is refused (:func:`msoa_blocks`).
* **Wards** are the atlas's 2024 best-fit electoral wards.
* **A user's units** come from an ``lsoa_code,unit`` CSV or polygons read by
  :func:`geo.plan.geography.read_geography` (which checks cover, overlaps and codes).

A block is never allowed to cross a nesting unit: one that does (a best-fit ward straddling a district boundary)
is cut along it and the cut reported.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import sparse

from geo.atlas.model import with_block_columns
from geo.errors import DataError, PlanError
from geo.plan.params import BLOCK_TITLES  # the one list of block types (geo.plan writes and reads it too)
from geo.sources.boundaries import read_msoa21_boundaries
from geo.settings import get_settings
from geo.sources.catalogue import discover
from scipy.sparse import csgraph

#: What one block is called in notes ("3 MSOAs not touching ...").
BLOCK_WORDS = {"msoas": "MSOA", "wards": "ward", "custom": "unit"}
_LSOA_NAME = re.compile(r"^(?P<stem>.*\S\s+\d{3})[A-Z]$")


@dataclass(frozen=True)
class Blocks:
    """Every LSOA of an atlas in one building block.

    Attributes
    ----------
    kind
        ``"msoas"``, ``"wards"`` or ``"custom"``.
    units
        ``lsoa_code -> block code``, in atlas order.
    names
        ``block code -> block name``.
    source
        Where the blocks came from (a file name, or the atlas's ward lookup).
    """

    kind: str
    units: pd.Series
    names: dict
    source: str

    def describe(self) -> dict:
        """The block type as stored in a plan's provenance (``params["blocks"]``)."""
        return {
            "type": self.kind,
            "title": BLOCK_TITLES[self.kind],
            "source": self.source,
            "count": int(self.units.nunique()),
        }


def msoa_blocks(lsoas: pd.DataFrame, msoas: pd.DataFrame, source: str = "msoa21_boundaries") -> Blocks:
    """Return each LSOA's MSOA, matching its name's stem to the names of ``msoas`` (``code, name``).

    Examples
    --------
    >>> lsoas = pd.DataFrame({"lsoa_name": ["Leicester 014A", "Leicester 014B", "Rutland 001A"]},
    ...                      index=["E01", "E02", "E03"])
    >>> msoas = pd.DataFrame({"code": ["E02000001", "E02000002"], "name": ["Leicester 014", "Rutland 001"]})
    >>> msoa_blocks(lsoas, msoas).units.tolist()
    ['E02000001', 'E02000001', 'E02000002']
    >>> msoa_blocks(lsoas.assign(lsoa_name=["Leicester 015A", "Leicester 014B", "Rutland 001A"]), msoas)
    Traceback (most recent call last):
    ...
    geo.errors.DataError: msoa21_boundaries, column 'name': no MSOA is named 'Leicester 015', the stem of LSOA E01 (Leicester 015A) (expected an MSOA 2021 named after every LSOA 2021 of the area (1 of 3 unmatched))
    """
    if "lsoa_name" not in lsoas.columns:
        raise PlanError(
            "the atlas has no LSOA names to find their MSOAs by", column="lsoa_name", expected="an LSOA 2021 atlas"
        )
    names = lsoas["lsoa_name"].astype(str).str.strip()
    stems = names.str.extract(_LSOA_NAME)["stem"]
    bad = stems.isna()
    if bad.any():
        code = bad.index[bad.to_numpy().argmax()]
        raise DataError(
            f"LSOA {code} is named {names[code]!r}, not '<MSOA name><letter>' such as 'Leicester 014A'",
            column="lsoa_name",
            expected="LSOA 2021 names (MSOAs are LSOA 2021 building blocks)",
        )
    table = msoas[["code", "name"]].astype(str)
    twice = table["name"].str.strip().duplicated(keep=False)
    if twice.any():
        row = int(twice.to_numpy().argmax())
        raise DataError(
            f"the MSOA name {table['name'].iloc[row]!r} is given to more than one MSOA, so an LSOA "
            "named after it has no single MSOA",
            file=source,
            row=row + 1,
            column="name",
            expected="one MSOA per name",
        )
    by_name = pd.Series(table["code"].to_numpy(), index=table["name"].str.strip().to_numpy())
    units = stems.map(by_name)
    missing = units.isna()
    if missing.any():
        code = missing.index[missing.to_numpy().argmax()]
        raise DataError(
            f"no MSOA is named {stems[code]!r}, the stem of LSOA {code} ({names[code]})",
            file=source,
            column="name",
            expected=f"an MSOA 2021 named after every LSOA 2021 of the area "
            f"({int(missing.sum())} of {len(units)} unmatched)",
        )
    used = set(units)
    return Blocks(
        "msoas",
        units.rename("block").astype(object),
        {c: n for c, n in zip(table["code"], table["name"]) if c in used},
        source,
    )


def ward_blocks(lsoas: pd.DataFrame) -> Blocks:
    """Return each LSOA's 2024 electoral ward (best fit), or refuse an atlas without wards.

    Examples
    --------
    >>> lsoas = pd.DataFrame({"ward_code": ["W1", "W1", "W2"], "ward_name": ["A", "A", "B"]}, index=["x", "y", "z"])
    >>> b = ward_blocks(lsoas)
    >>> b.units.tolist(), b.names, b.describe()["count"]
    (['W1', 'W1', 'W2'], {'W1': 'A', 'W2': 'B'}, 2)
    """
    if "ward_code" not in lsoas.columns or lsoas["ward_code"].isna().any():
        raise PlanError(
            "this atlas has no electoral ward for every LSOA (wards come with LSOA 2021 atlases)",
            column="build_from",
            expected="'msoas', 'lsoas' or a file of units, or an LSOA 2021 atlas",
        )
    names = dict(zip(lsoas["ward_code"].astype(str), lsoas.get("ward_name", lsoas["ward_code"]).astype(str)))
    return Blocks("wards", lsoas["ward_code"].astype(str).astype(object).rename("block"), names, "ward lookup")


def custom_blocks(geography) -> Blocks:
    """Return the units of a user geography (:func:`geo.plan.geography.read_geography`) as blocks."""
    return Blocks(
        "custom", geography.units.astype(str).astype(object).rename("block"), dict(geography.names), str(geography.key)
    )


@lru_cache(maxsize=2)
def _msoa_table(path: str, mtime: float) -> pd.DataFrame:

    return pd.DataFrame(read_msoa21_boundaries(path)[["code", "name"]])


def read_msoas(data_dir: str | Path | None = None) -> tuple[pd.DataFrame, str]:
    """Return ``code, name`` of every MSOA 2021 from the official boundary file in ``data_dir`` (default: the
    settings' data folder), and the file's name."""

    folder = Path(data_dir) if data_dir else get_settings().data_dir
    if folder is None:
        raise DataError(
            "MSOA blocks need the official MSOA 2021 boundary file, and no data folder is set",
            column="build_from",
            expected="NHP_DATA_DIR or --data-dir holding msoa21_boundaries",
        )
    path = discover(folder).path("msoa21_boundaries")
    return _msoa_table(str(path), path.stat().st_mtime), path.name


def with_blocks(atlas, blocks: Blocks):
    """Return a copy of ``atlas`` carrying ``blocks`` (``block_code, block_name`` columns), for a proposal.

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> atlas = grid_atlas(2, 1)
    >>> b = Blocks("custom", pd.Series(["U", "U"], index=atlas.codes), {"U": "Upper"}, "u.csv")
    >>> with_blocks(atlas, b).lsoas.block_name.tolist()
    ['Upper', 'Upper']
    """
    return with_block_columns(atlas, blocks.units, blocks.names, blocks.describe())


def blocks_for(atlas, kind: str) -> Blocks:
    """Return the blocks a proposal built from ``kind`` uses: those carried by the atlas (:func:`with_blocks`), or
    for MSOAs and wards those found from the data folder and the atlas."""
    lsoas = atlas.lsoas
    if "block_code" in lsoas.columns:
        carried = lsoas.attrs.get("blocks", {})
        if carried.get("type", kind) != kind:
            raise PlanError(f"the atlas carries {carried.get('type')} blocks, not {kind}", column="build_from")
        names = dict(zip(lsoas["block_code"].astype(str), lsoas["block_name"].astype(str)))
        return Blocks(kind, lsoas["block_code"].astype(str).astype(object), names, carried.get("source", kind))
    if kind == "msoas":
        table, source = read_msoas()
        return msoa_blocks(lsoas, table, source)
    if kind == "wards":
        return ward_blocks(lsoas)
    raise PlanError(
        "build_from 'custom' needs a user geography on the atlas",
        column="build_from",
        expected="geo.propose.blocks.with_blocks(atlas, custom_blocks(read_geography(FILE, atlas)))",
    )


def block_index(blocks: Blocks, nest: np.ndarray) -> tuple[np.ndarray, pd.Index, list[str]]:
    """Return each LSOA's block number, the block keys and notes on blocks cut by a nesting unit.

    A block crossing a nesting unit boundary is cut into one block per unit (``code@unit``), since no
    neighbourhood may cross the nesting unit; each cut is reported.

    Examples
    --------
    >>> b = Blocks("wards", pd.Series(["W1", "W1", "W2"]), {"W1": "A", "W2": "B"}, "x")
    >>> index, keys, notes = block_index(b, np.array(["L1", "L2", "L2"]))
    >>> index.tolist(), list(keys), notes
    ([0, 1, 2], ['W1@L1', 'W1@L2', 'W2'], ['ward A (W1) crosses the nesting units L1 and L2: it is kept whole within each'])
    """
    codes = blocks.units.astype(str).to_numpy()
    nest = np.asarray(nest).astype(str)
    frame = pd.DataFrame({"b": codes, "n": nest})
    crossing = frame.groupby("b").n.nunique()
    crossing = set(crossing.index[crossing > 1])
    keys = np.array([f"{b}@{n}" if b in crossing else b for b, n in zip(codes, nest)], dtype=object)
    index, uniques = pd.factorize(keys, sort=True)
    word = BLOCK_WORDS[blocks.kind]
    notes = [
        f"{word} {blocks.names.get(b, b)} ({b}) crosses the nesting units "
        f"{' and '.join(sorted(set(nest[codes == b])))}: it is kept whole within each"
        for b in sorted(crossing)
    ]
    return index, pd.Index(uniques), notes


def contract(adjacency, index: np.ndarray, n_blocks: int) -> sparse.csr_matrix:
    """Return the block graph: two blocks adjacent when any of their LSOAs are (no self-loops).

    Examples
    --------
    >>> a = sparse.csr_matrix(np.array([[0, 1, 0], [1, 0, 1], [0, 1, 0]], bool))
    >>> contract(a, np.array([0, 0, 1]), 2).toarray().tolist()
    [[False, True], [True, False]]
    """
    member = sparse.csr_matrix((np.ones(len(index)), (np.arange(len(index)), index)), shape=(len(index), n_blocks))
    graph = (member.T @ sparse.csr_matrix(adjacency, dtype=float) @ member).tocsr()
    graph.setdiag(0)
    graph.eliminate_zeros()
    return (graph > 0).tocsr()


def block_arrays(index: np.ndarray, n_blocks: int, pop, x, y, area, group) -> tuple[np.ndarray, ...]:
    """Sum populations and areas per block; centroids are area-weighted; a block's group (practice or ward kept
    together) is that of its most populous LSOA.

    Examples
    --------
    >>> out = block_arrays(np.array([0, 0, 1]), 2, np.array([1., 3., 5.]), np.array([0., 2., 9.]),
    ...                    np.zeros(3), np.ones(3), np.array([4, 7, -1]))
    >>> [a.tolist() for a in out]
    [[4.0, 5.0], [1.0, 9.0], [0.0, 0.0], [2.0, 1.0], [7, -1]]
    """
    b_pop = np.bincount(index, weights=pop, minlength=n_blocks)
    b_area = np.bincount(index, weights=area, minlength=n_blocks)
    weight = np.maximum(b_area, 1e-9)
    b_x = np.bincount(index, weights=x * area, minlength=n_blocks) / weight
    b_y = np.bincount(index, weights=y * area, minlength=n_blocks) / weight
    order = np.lexsort((-pop, index))  # by block, most populous LSOA first
    first = order[np.r_[True, index[order][1:] != index[order][:-1]]]
    b_group = np.full(n_blocks, -1, dtype=int)
    b_group[index[first]] = np.asarray(group)[first]
    return b_pop, b_x, b_y, b_area, b_group


def expand(block_labels: pd.Series, index: np.ndarray, codes: pd.Index) -> pd.Series:
    """Return the LSOA assignment of a block assignment (each LSOA gets its block's neighbourhood)."""
    return pd.Series(block_labels.to_numpy()[index], index=codes, name="neighbourhood")


def neighbourhood_blocks(plan, blocks: Blocks) -> dict[str, list[tuple[str, str]]]:
    """Return each neighbourhood's blocks as ``(code, name)`` in code order (for profiles: "made of MSOAs ...").

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> from geo.plan import Plan
    >>> atlas = grid_atlas(4, 1)
    >>> plan = Plan(atlas, pd.Series(["N1", "N1", "N2", "N2"], index=atlas.codes))
    >>> b = Blocks("custom", pd.Series(["a", "a", "b", "b"], index=atlas.codes), {"a": "A", "b": "B"}, "f")
    >>> neighbourhood_blocks(plan, b)
    {'N1': [('a', 'A')], 'N2': [('b', 'B')]}
    """
    frame = pd.DataFrame({"n": plan.assignment.reindex(blocks.units.index), "b": blocks.units.astype(str)})
    return {
        str(n): [(b, blocks.names.get(b, b)) for b in sorted(group.b.unique())]
        for n, group in frame.dropna().groupby("n", sort=True)
    }


def made_of(plan) -> dict[str, str] | None:
    """Return each neighbourhood's building blocks in words, for profiles: MSOA codes and names for an MSOA plan,
    ward (or a user's unit) names for a ward (or unit) plan, practices (name and code) for a list-based plan;
    ``None`` for a plan of LSOAs (or of a user's units the atlas no longer carries, as for a plan read back from
    a file, which records only that it was built from a user's units, see :mod:`geo.plan.reader`).

    A block that lies in more than one neighbourhood (cut along a nesting unit's boundary by the proposal, or
    split by an edit since) is marked ``(part)`` in each, so the line never claims a whole block it lacks.

    An MSOA plan reads the MSOA codes from the data folder's boundary file; without it, each MSOA is named by its
    LSOAs' name stem ("Leicester 014") and the code is left out.

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> from geo.propose import ProposalParams, propose
    >>> atlas = grid_atlas(6, 6, practice_every=9)
    >>> plan = propose(atlas, ProposalParams(target=20_000, build_from="practices"))
    >>> made_of(plan)["Grid District 0 1"]
    '2 practices: Grid Surgery 0 (Z00000); Grid Surgery 2 (Z00002)'
    >>> made_of(propose(atlas, ProposalParams(target=20_000))) is None
    True
    """
    if plan.practice_assignment is not None:
        names = plan.atlas.practices["practice_name"]
        out = {}
        for hood, group in plan.practice_assignment.groupby(plan.practice_assignment, sort=True):
            codes = sorted(map(str, group.index))
            out[str(hood)] = f"{len(codes)} practice{'s' if len(codes) != 1 else ''}: " + "; ".join(
                f"{names.get(c, c)} ({c})" for c in codes
            )
        return out
    kind = (plan.provenance.params.get("blocks") or {}).get("type")
    if kind not in BLOCK_TITLES:
        return None
    try:
        blocks = blocks_for(plan.atlas, kind)
    except (DataError, PlanError):
        stems = plan.atlas.lsoas.get("lsoa_name", pd.Series(dtype=str)).astype(str).str.extract(_LSOA_NAME)["stem"]
        if kind != "msoas" or stems.isna().any():
            return None
        blocks = Blocks(kind, stems.astype(object), {}, "LSOA names")
    coded = kind == "msoas" and bool(blocks.names)
    word = BLOCK_WORDS[kind]
    by_hood = neighbourhood_blocks(plan, blocks)
    shared = Counter(code for parts in by_hood.values() for code, _ in parts)  # cut by a nesting unit, or edited

    def named(code: str, name: str) -> str:
        return (f"{code} {name}" if coded else name) + (" (part)" if shared[code] > 1 else "")

    return {
        hood: f"{len(parts)} {word}{'s' if len(parts) != 1 else ''}: " + "; ".join(named(*part) for part in parts)
        for hood, parts in by_hood.items()
    }


def broken_blocks(adjacency, index: np.ndarray, keys, kind: str, names: dict) -> list[str]:
    """Return a note for each block whose LSOAs do not all touch in the LSOA contiguity graph (an MSOA across a
    river the graph does not bridge): no neighbourhood holding it can be contiguous, whatever the proposal does.

    Examples
    --------
    >>> a = sparse.csr_matrix(np.array([[0, 1, 0], [1, 0, 0], [0, 0, 0]], bool))
    >>> broken_blocks(a, np.array([0, 0, 0]), ["M1"], "msoas", {"M1": "Wight 001"})  # doctest: +ELLIPSIS
    ['MSOA Wight 001 (M1) is in 2 parts that do not touch in the LSOA contiguity graph: ...']
    """

    graph = sparse.coo_matrix(adjacency)
    same = index[graph.row] == index[graph.col]
    inside = sparse.csr_matrix((np.ones(int(same.sum())), (graph.row[same], graph.col[same])), shape=graph.shape)
    _, component = csgraph.connected_components(inside, directed=False)
    parts = pd.Series(component).groupby(index).nunique()
    word = BLOCK_WORDS[kind]
    notes = []
    for b, count in parts[parts > 1].items():
        code = str(keys[b]).split("@")[0]
        notes.append(
            f"{word} {names.get(code, code)} ({code}) is in {count} parts that do not touch in the LSOA "
            "contiguity graph: the neighbourhood holding it cannot be contiguous"
        )
    return notes
