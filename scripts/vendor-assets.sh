#!/usr/bin/env bash
# Vendor the planner page's front-end libraries into static/vendor/ so the page works offline.
# Leaflet (BSD-2-Clause) and the NHS.UK frontend CSS (MIT), from the npm registry with `npm pack`.
# The Frutiger web fonts the NHS CSS references (assets.nhs.uk, licensed to the NHS only) are removed: the CSS
# falls back to its own stack (Arial, sans-serif). Icon URLs are made relative to the vendored CSS.
set -euo pipefail
LEAFLET_VERSION="${LEAFLET_VERSION:-1.9.4}"
NHSUK_VERSION="${NHSUK_VERSION:-10.6.1}"
cd "$(dirname "$0")/.."
out="static/vendor"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "leaflet@$LEAFLET_VERSION" "nhsuk-frontend@$NHSUK_VERSION" >/dev/null)
mkdir -p "$work/leaflet" "$work/nhsuk"
tar xzf "$work/leaflet-$LEAFLET_VERSION.tgz" -C "$work/leaflet"
tar xzf "$work/nhsuk-frontend-$NHSUK_VERSION.tgz" -C "$work/nhsuk"

rm -rf "$out/leaflet" "$out/nhsuk"
mkdir -p "$out/leaflet/images" "$out/nhsuk/images"
src="$work/leaflet/package"
cp "$src/dist/leaflet.js" "$src/dist/leaflet.css" "$src/LICENSE" "$out/leaflet/"
cp "$src/dist/images/"*.png "$out/leaflet/images/"

src="$work/nhsuk/package/dist/nhsuk"
# Drop the @font-face rules (remote, NHS-only fonts) and point icons at the vendored copies.
sed -e 's/@font-face{[^}]*}//g' -e 's#url(/assets/images/#url(images/#g' \
    "$src/nhsuk-frontend.min.css" > "$out/nhsuk/nhsuk-frontend.min.css"
for icon in $(grep -o 'url(images/[^)]*)' "$out/nhsuk/nhsuk-frontend.min.css" | sed 's#url(images/##; s#)##' | sort -u); do
  cp "$src/assets/images/$icon" "$out/nhsuk/images/"
done
if grep -q 'https\?://' <(grep -o 'url([^)]*)' "$out/nhsuk/nhsuk-frontend.min.css"); then
  echo "vendored NHS CSS still references a remote URL" >&2; exit 1
fi
# The npm package carries no LICENSE file; this is the MIT licence of github.com/nhsuk/nhsuk-frontend.
cat > "$out/nhsuk/LICENSE" <<'LICENCE'
MIT License

Copyright (c) 2019 NHS.UK

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
LICENCE
du -sh "$out"
