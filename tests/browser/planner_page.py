"""What a user of the planner page sees and does, for the browser tests: read the tallies, click an LSOA on the
map, check labels and contrast, look at a screenshot."""

from __future__ import annotations

import io
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.sync_api import Page

#: Every visible form control has a label and every button an accessible name; text has WCAG AA contrast.
A11Y_SCRIPT = r"""() => {
  const problems = [];
  const visible = (el) => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length)
    && getComputedStyle(el).visibility !== "hidden";
  const name = (el) => (el.getAttribute("aria-label") || "").trim()
    || (el.getAttribute("aria-labelledby") || "").split(" ").map((id) => document.getElementById(id)?.textContent || "").join("").trim()
    || (el.labels ? [...el.labels].map((l) => l.textContent).join("").trim() : "")
    || (el.tagName === "BUTTON" || el.tagName === "A" ? el.textContent.trim() : "")
    || (el.getAttribute("title") || "").trim();
  for (const el of document.querySelectorAll("input, select, textarea, button, a[href], progress")) {
    if (el.type === "hidden" || !visible(el)) continue;
    if (!name(el)) problems.push(`no accessible name: ${el.outerHTML.slice(0, 120)}`);
  }
  const rgb = (text) => (text.match(/[\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = (el) => {
    for (let node = el; node; node = node.parentElement) {
      const c = rgb(getComputedStyle(node).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0.5)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  for (const el of document.querySelectorAll("body *")) {
    if (!visible(el) || el.closest(".leaflet-pane") || el.closest("svg") || el.disabled) continue;
    const text = [...el.childNodes].filter((n) => n.nodeType === 3).map((n) => n.textContent).join("").trim();
    if (!text) continue;
    const style = getComputedStyle(el);
    const ratio = ((a, b) => (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05))(lum(rgb(style.color)), lum(background(el)));
    const size = parseFloat(style.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
    if (ratio < (large ? 3 : 4.5)) problems.push(`contrast ${ratio.toFixed(2)}: "${text.slice(0, 40)}" (${style.color})`);
  }
  return problems;
}"""

#: A point inside an LSOA's polygon where that polygon is on top (so a real mouse click hits it).
POINT_SCRIPT = r"""(code) => {
  const path = document.querySelector(`path[data-lsoa="${code}"]`);
  const box = path.getBoundingClientRect();
  for (let i = 1; i < 12; i++) for (let j = 1; j < 12; j++) {
    const x = box.left + (box.width * i) / 12, y = box.top + (box.height * j) / 12;
    if (document.elementFromPoint(x, y) === path) return [x, y];
  }
  return null;
}"""


def number(text: str) -> int | None:
    """A count as shown on the page ("53,523"); None for "suppressed"."""
    text = text.strip()
    return None if text == "suppressed" else int(text.replace(",", ""))


def populations(page: Page) -> dict[str, int | None]:
    """The neighbourhood table as the user reads it: name -> population."""
    rows = page.locator("#hood-body tr")
    return {
        rows.nth(i).locator("th").inner_text().strip(): number(
            rows.nth(i).locator("[data-column=population]").inner_text()
        )
        for i in range(rows.count())
    }


def selected_residents(page: Page, code: str) -> int:
    """The residents of a selected LSOA, from its line in the selection list ("E01… Demo City 001A: 1,652 residents")."""
    line = page.locator(f"#selection-list li[data-code='{code}']").inner_text()
    return number(re.search(r":\s*([\d,]+|suppressed) residents", line).group(1))


def click_lsoa(page: Page, code: str, *, modifier: str | None = None) -> None:
    """Click an LSOA on the map with the mouse (optionally holding Control or Shift)."""
    page.locator(f"path[data-lsoa='{code}']").scroll_into_view_if_needed()
    point = page.evaluate(POINT_SCRIPT, code)
    assert point, f"LSOA {code} has no clickable point on the map"
    if modifier:
        page.keyboard.down(modifier)
    page.mouse.click(*point)
    if modifier:
        page.keyboard.up(modifier)


def a11y_problems(page: Page) -> list[str]:
    return page.evaluate(A11Y_SCRIPT)


def distinct_colours(png: bytes) -> tuple[int, float]:
    """Number of distinct colours in a screenshot and the share of its pixels that are (near) white."""
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    image.thumbnail((400, 400))
    pixels = list(image.getdata())
    white = sum(1 for r, g, b in pixels if r > 245 and g > 245 and b > 245) / len(pixels)
    return len(set(pixels)), white
