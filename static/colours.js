// Neighbourhood colours that never give two neighbouring neighbourhoods the same fill: a greedy colouring of the
// graph of neighbourhoods sharing a boundary (GET .../metrics `neighbours`), keeping each neighbourhood's colour
// from the last version where it still differs from its neighbours', so a move recolours as little as it can.
// Pure: no DOM, no map.

/**
 * Colour each neighbourhood so that no two neighbours share a colour.
 * @param {string[]} names the neighbourhoods, in the plan's order
 * @param {Array<[string, string]>} pairs the neighbouring pairs
 * @param {string[]} palette the colours to use first; more are made (distinct hues) only when a neighbourhood
 *   has a neighbour of every palette colour
 * @param {Map<string, string>} [previous] the colours shown before (kept where they still differ from neighbours)
 * @returns {Map<string, string>} name -> colour
 */
export function neighbourColours(names, pairs, palette, previous = new Map()) {
  const adjacent = new Map(names.map((name) => [name, new Set()]));
  for (const [a, b] of pairs) {
    if (a === b || !adjacent.has(a) || !adjacent.has(b)) continue;
    adjacent.get(a).add(b);
    adjacent.get(b).add(a);
  }
  const colours = new Map();
  const extra = [];
  const used = (name) => new Set([...adjacent.get(name)].map((n) => colours.get(n)).filter(Boolean));
  // Keep earlier colours first, in the plan's order, where no neighbour kept the same one.
  for (const name of names) {
    const before = previous.get(name);
    if (before && !used(name).has(before)) colours.set(name, before);
  }
  // Then the rest, most-connected first (Welsh–Powell), each taking the first colour its neighbours lack.
  const rest = names.filter((name) => !colours.has(name))
    .sort((a, b) => adjacent.get(b).size - adjacent.get(a).size || names.indexOf(a) - names.indexOf(b));
  for (const name of rest) {
    const taken = used(name);
    let colour = palette.find((c) => !taken.has(c)) || extra.find((c) => !taken.has(c));
    if (!colour) {
      colour = extraColour(extra.length);
      extra.push(colour);
    }
    colours.set(name, colour);
  }
  return colours;
}

/** The n-th colour beyond the palette: hues spread by the golden angle, mid lightness. */
export function extraColour(n) {
  return `hsl(${Math.round((n * 137.508) % 360)}, 55%, 62%)`;
}

/** Whether any two neighbours share a colour (the pairs that do), for tests and checks. */
export function clashes(colours, pairs) {
  return pairs.filter(([a, b]) => a !== b && colours.get(a) === colours.get(b));
}
