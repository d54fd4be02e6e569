#!/usr/bin/env bash
# Vendor the front-end libraries into static/vendor/ so every page works offline: the planner page, the maps
# `nhp map` / the demo / the API write (geo.maps.save_map inlines Leaflet from here) and the API's /docs.
# Leaflet (BSD-2-Clause), the NHS.UK frontend CSS (MIT) and Swagger UI (Apache-2.0), from the npm registry with
# `npm pack`.
# The Frutiger web fonts the NHS CSS references (assets.nhs.uk, licensed to the NHS only) are removed: the CSS
# falls back to its own stack (Arial, sans-serif). Icon URLs are made relative to the vendored CSS.
set -euo pipefail
LEAFLET_VERSION="${LEAFLET_VERSION:-1.9.4}"
NHSUK_VERSION="${NHSUK_VERSION:-10.6.1}"
SWAGGER_VERSION="${SWAGGER_VERSION:-5.35.0}"
cd "$(dirname "$0")/.."
out="static/vendor"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "leaflet@$LEAFLET_VERSION" "nhsuk-frontend@$NHSUK_VERSION" \
  "swagger-ui-dist@$SWAGGER_VERSION" >/dev/null)
mkdir -p "$work/leaflet" "$work/nhsuk" "$work/swagger"
tar xzf "$work/leaflet-$LEAFLET_VERSION.tgz" -C "$work/leaflet"
tar xzf "$work/nhsuk-frontend-$NHSUK_VERSION.tgz" -C "$work/nhsuk"
tar xzf "$work/swagger-ui-dist-$SWAGGER_VERSION.tgz" -C "$work/swagger"

rm -rf "$out/leaflet" "$out/nhsuk" "$out/swagger-ui"
mkdir -p "$out/leaflet/images" "$out/nhsuk/images" "$out/swagger-ui"
src="$work/leaflet/package"
cp "$src/dist/leaflet.js" "$src/dist/leaflet.css" "$src/LICENSE" "$out/leaflet/"
cp "$src/dist/images/"*.png "$out/leaflet/images/"

# Swagger UI for the API's /docs (api/docs.py): the bundle, its CSS and icon; no source maps.
src="$work/swagger/package"
cp "$src/swagger-ui-bundle.js" "$src/swagger-ui.css" "$src/favicon-32x32.png" "$src/LICENSE" "$out/swagger-ui/"
sed -i '/^\/\/# sourceMappingURL=/d' "$out/swagger-ui/swagger-ui-bundle.js" "$out/swagger-ui/swagger-ui.css"

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
