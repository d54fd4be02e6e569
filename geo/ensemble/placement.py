"""Where a plan sits in an ensemble: its percentile on each score, and histograms with the plan marked.

A plan's percentile on a score is the mid-rank share of the ensemble's steps below it:
``100 * (steps below + half the steps equal) / steps``, so a plan equal to every step sits at 50 and a plan
below all of them at 0. The plan is measured against the ensemble's own target, tolerance and population basis,
on the same atlas (its digest of LSOAs, contiguity and populations must match the runs').

Histograms are drawn as inline SVG in a self-contained HTML page (no script, no network), or as a PNG with
matplotlib when it is installed.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from geo.ensemble.start import lsoa_digest, measured_as_runs
from geo.ensemble.kernels import SCORES
from geo.ensemble.scores import DESCRIPTIONS, plan_scores
from geo.errors import DataError
from geo.writers import check_folder

FORMATS = (".html", ".png")


@dataclass(frozen=True)
class Placement:
    """A plan's scores and percentiles in an ensemble of ``steps`` plans."""

    plan: str
    scores: dict[str, float]
    percentiles: dict[str, float]
    steps: int


def percentile(values: np.ndarray, value: float) -> float:
    """Return the mid-rank percentile of ``value`` among ``values`` (NaN values ignored).

    Examples
    --------
    >>> percentile(np.array([1, 2, 3, 4]), 2.5), percentile(np.array([1, 2, 3, 4]), 2), percentile(np.array([5, 5]), 5)
    (50.0, 37.5, 50.0)
    """
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    if not len(values) or not np.isfinite(value):
        return float("nan")
    below = np.count_nonzero(values < value)
    equal = np.count_nonzero(values == value)
    return float(100.0 * (below + 0.5 * equal) / len(values))


def place(plan, runs: pd.DataFrame, metadata: dict) -> Placement:
    """Return where ``plan`` (built from LSOAs of the ensemble's atlas) sits among ``runs``."""
    if metadata.get("lsoa_digest") != lsoa_digest(plan.atlas):
        raise DataError(
            "the runs were made on another area, LSOA vintage or population data than the plan",
            column="lsoa_digest",
            expected=f"runs of {plan.atlas.area.label} ({len(plan.atlas.lsoas):,} LSOAs)",
        )
    if plan.practice_assignment is not None:
        raise DataError(
            "an ensemble of LSOA plans cannot place a plan built from whole practices",
            column="build_from",
            expected="a plan built from LSOAs",
        )
    measured = measured_as_runs(
        plan, target=metadata["target"], tolerance=metadata["tolerance"], population=metadata["population"]
    )
    scores = plan_scores(measured)
    return Placement(
        plan=plan.name,
        scores=scores,
        steps=len(runs),
        percentiles={name: percentile(runs[name].to_numpy(), scores[name]) for name in SCORES},
    )


def format_placement(placement: Placement) -> str:
    """Return the percentiles as aligned text (one line per score)."""
    lines = [f"{'score':<22} {'plan':>10} {'percentile':>10}  meaning"]
    for name in SCORES:
        value, pct = placement.scores[name], placement.percentiles[name]
        lines.append(f"{name:<22} {value:>10.2f} {pct:>10.1f}  {DESCRIPTIONS[name]}")
    lines.append(f"(percentile: share of the {placement.steps:,} ensemble plans below the plan, ties counted half)")
    return "\n".join(lines)


def _bins(values: np.ndarray, mark: float, count: int = 30) -> tuple[np.ndarray, np.ndarray]:
    finite = values[np.isfinite(values)]
    low = min(float(finite.min()), mark) if len(finite) else mark
    high = max(float(finite.max()), mark) if len(finite) else mark
    if not np.isfinite(low):
        low = high = 0.0
    if np.all(np.mod(finite, 1) == 0) and high - low < count:  # whole numbers: one bar per value
        edges = np.arange(np.floor(low) - 0.5, np.ceil(high) + 1.5)
    else:
        edges = np.linspace(low, high if high > low else low + 1, count + 1)
    return np.histogram(finite, bins=edges)[0], edges


def _svg(name: str, values: np.ndarray, mark: float, pct: float, width: int = 420, height: int = 220) -> str:
    counts, edges = _bins(values, mark)
    left, right, top, bottom = 40, 10, 28, 36
    plot_w, plot_h = width - left - right, height - top - bottom
    span = edges[-1] - edges[0]
    peak = max(int(counts.max()) if len(counts) else 0, 1)

    def x(v: float) -> float:
        return left + plot_w * (v - edges[0]) / span

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
        f'aria-label="{html.escape(name)} histogram">',
        f'<text x="{left}" y="16" font-size="13" font-family="sans-serif">{html.escape(DESCRIPTIONS[name])}</text>',
    ]
    for c, a, b in zip(counts.tolist(), edges[:-1].tolist(), edges[1:].tolist()):
        h = plot_h * c / peak
        parts.append(
            f'<rect x="{x(a):.1f}" y="{top + plot_h - h:.1f}" width="{max(x(b) - x(a) - 1, 0.5):.1f}" '
            f'height="{h:.1f}" fill="#7a9cc6"/>'
        )
    parts.append(f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="#333"/>')
    for v in (edges[0], (edges[0] + edges[-1]) / 2, edges[-1]):
        parts.append(
            f'<text x="{x(v):.1f}" y="{top + plot_h + 14}" font-size="11" text-anchor="middle" '
            f'font-family="sans-serif">{v:.4g}</text>'
        )
    parts.append(
        f'<text x="{left - 4}" y="{top + 8}" font-size="11" text-anchor="end" font-family="sans-serif">{peak}</text>'
    )
    if np.isfinite(mark):
        parts.append(
            f'<line x1="{x(mark):.1f}" y1="{top}" x2="{x(mark):.1f}" y2="{top + plot_h}" stroke="#c0392b" '
            'stroke-width="2"/>'
        )
        parts.append(
            f'<text x="{x(mark):.1f}" y="{height - 6}" font-size="11" text-anchor="middle" fill="#c0392b" '
            f'font-family="sans-serif">plan {mark:.4g} (percentile {pct:.0f})</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def render_placement(placement: Placement, runs: pd.DataFrame, metadata: dict, path) -> Path:
    """Write the histograms of every score with the plan marked: ``.html`` (inline SVG) or ``.png``."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise DataError(
            f"cannot write {suffix or 'a file without an extension'}", file=str(path), expected="a .html or .png file"
        )
    check_folder(path)
    title = (
        f"{placement.plan} among {placement.steps:,} ReCom plans of {metadata.get('area_label', '')} "
        f"(seed {metadata.get('seed')}, target {metadata.get('target')}, tolerance {metadata.get('tolerance')}, "
        f"nest {metadata.get('nest')})"
    )
    if suffix == ".png":
        _png(placement, runs, title, path)
        return path
    rows = "".join(
        f"<tr><td>{html.escape(DESCRIPTIONS[n])}</td><td>{placement.scores[n]:.2f}</td>"
        f"<td>{placement.percentiles[n]:.1f}</td></tr>"
        for n in SCORES
    )
    figures = "".join(
        _svg(n, runs[n].to_numpy(dtype=float), placement.scores[n], placement.percentiles[n]) for n in SCORES
    )
    page = (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
        '<style>body{font-family:sans-serif;margin:1.5em}svg{margin:0.5em}td,th{padding:0.2em 0.8em;'
        'text-align:right}td:first-child{text-align:left}</style></head><body>'
        f"<h1>{html.escape(title)}</h1><table><tr><th>score</th><th>plan</th><th>percentile</th></tr>{rows}"
        "</table><p>Percentile: share of the ensemble's plans below the plan (ties counted half). The red line "
        f"marks the plan.</p><div>{figures}</div></body></html>"
    )
    path.write_text(page, encoding="utf-8")
    return path


def _png(placement: Placement, runs: pd.DataFrame, title: str, path: Path) -> None:
    try:
        import matplotlib  # lazy: matplotlib only for charts

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt  # lazy: matplotlib only for charts
    except ImportError:
        raise DataError(
            "PNG histograms need matplotlib, which is not installed",
            file=str(path),
            expected="a .html file (no extra package needed)",
        ) from None
    fig, axes = plt.subplots(2, 3, figsize=(15, 7.5))
    for ax, name in zip(axes.ravel(), SCORES):
        values = runs[name].to_numpy(dtype=float)
        counts, edges = _bins(values, placement.scores[name])
        ax.stairs(counts, edges, fill=True, color="#7a9cc6")
        ax.axvline(placement.scores[name], color="#c0392b", linewidth=2)
        ax.set_title(
            f"{DESCRIPTIONS[name]}\nplan {placement.scores[name]:.4g}, percentile {placement.percentiles[name]:.0f}",
            fontsize=8,
        )
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=100, metadata={"Software": None})
    plt.close(fig)
