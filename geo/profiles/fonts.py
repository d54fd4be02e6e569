"""The font files the pack's text is measured in: what fontconfig resolves (what Pango, and so WeasyPrint, draws)
and the font at a size where a glyph's metrics are whole pixels, read with Pillow.

One loader for the cover's body text (:mod:`geo.profiles.textfit`) and the overview map's labels
(:mod:`geo.profiles.maps`).
"""

from __future__ import annotations

import shutil
import subprocess
from functools import lru_cache

#: Size at which fonts are measured (a glyph's metrics are in whole pixels at it: 1/1000 of a font size).
EM = 1000


def fc_match(pattern: str) -> tuple[str, str]:
    """(family, file) fontconfig resolves for ``pattern``, or ("", "") without fontconfig.

    Examples
    --------
    >>> family, path = fc_match("DejaVu Sans:bold")
    >>> isinstance(family, str) and isinstance(path, str)
    True
    """
    if not shutil.which("fc-match"):
        return "", ""
    try:
        out = subprocess.run(
            ["fc-match", "--format=%{family}|%{file}", pattern], capture_output=True, text=True, timeout=30
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return "", ""
    family, _, path = out.partition("|")
    return family.split(",")[0].strip(), path.strip()


@lru_cache(maxsize=8)
def measuring_font(path: str):
    """The font at ``path`` (a file, or a file name Pillow looks up in the system's font folders) at :data:`EM`
    pixels, or ``None`` when it cannot be read (or Pillow is missing).

    Examples
    --------
    >>> measuring_font("no-such-font.ttf") is None
    True
    """
    try:
        from PIL import ImageFont  # lazy: only a pack's cover and overview map measure text
    except ImportError:
        return None
    try:
        return ImageFont.truetype(path, EM)
    except OSError:
        return None
