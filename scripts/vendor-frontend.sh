#!/usr/bin/env bash
# Vendor GOV.UK Frontend and htmx into static/vendor/ from the npm registry.
#
# Reproduces exactly what is committed under static/vendor/: run it after changing a
# version below, check the diff, commit. Needs npm and node (no node_modules are left
# behind: the tarballs are unpacked in a temporary folder that is deleted on exit).
#
# The GOV.UK Frontend CSS is post-processed so that nothing references the GDS Transport
# font or the crown/crest image: both are reserved for GOV.UK and this is not a GOV.UK
# service. Neither the fonts nor the images are copied. Source maps are not copied either,
# so their sourceMappingURL comments are removed (Django's manifest static storage would
# otherwise fail collectstatic looking for them).
set -euo pipefail

GOVUK_FRONTEND_VERSION=5.14.0
GOVUK_FRONTEND_INTEGRITY="sha512-MgfaXswIM6KpXS2T5gltEnzgVLgfM3UoE9+rYkhBiR0suaJ8Let31VZXQZqz9QhiPDbv28fW1nRjIyLujfZIBA=="
HTMX_VERSION=2.0.11
HTMX_INTEGRITY="sha512-Thx/WtpeOQqSrqBCw/A1cwGJGg4UrVa3+sW0GmrM3p4gJgO89ecH4qtbnyzDDWFvBTqjnIMCgELTNt636dtamA=="

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="$ROOT/static/vendor"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

cd "$WORK"
npm pack --silent "govuk-frontend@$GOVUK_FRONTEND_VERSION" "htmx.org@$HTMX_VERSION" >/dev/null

check_integrity() {  # file expected-sri
    local actual
    actual="sha512-$(openssl dgst -sha512 -binary "$1" | openssl base64 -A)"
    if [[ "$actual" != "$2" ]]; then
        echo "Integrity mismatch for $1: expected $2, got $actual" >&2
        exit 1
    fi
}
check_integrity "govuk-frontend-$GOVUK_FRONTEND_VERSION.tgz" "$GOVUK_FRONTEND_INTEGRITY"
check_integrity "htmx.org-$HTMX_VERSION.tgz" "$HTMX_INTEGRITY"

mkdir govuk htmx
tar -xzf "govuk-frontend-$GOVUK_FRONTEND_VERSION.tgz" -C govuk
tar -xzf "htmx.org-$HTMX_VERSION.tgz" -C htmx

rm -rf "$DEST/govuk-frontend" "$DEST/htmx"
mkdir -p "$DEST/govuk-frontend" "$DEST/htmx"

# --- GOV.UK Frontend --------------------------------------------------------------------
GF_DIST="govuk/package/dist/govuk"
node - "$GF_DIST/govuk-frontend.min.css" "$DEST/govuk-frontend/govuk-frontend.min.css" \
    "$GOVUK_FRONTEND_VERSION" <<'NODE'
const fs = require("fs");
const [src, dest, version] = process.argv.slice(2);
let css = fs.readFileSync(src, "utf8");

function replaceCounted(pattern, replacement, expected, what) {
  const found = css.match(pattern) || [];
  if (found.length !== expected) {
    throw new Error(`expected ${expected} ${what}, found ${found.length}`);
  }
  css = css.replace(pattern, replacement);
}

// The font's licence comment: the font itself is not shipped.
replaceCounted(/\/\*![^*]*Margaret Calvert[^*]*\*\//g, "", 1, "GDS Transport licence comments");
// The two @font-face rules that load GDS Transport.
replaceCounted(/@font-face\{font-family:GDS Transport;[^}]*\}/g, "", 2, "GDS Transport @font-face rules");
// Every font stack falls back to Arial anyway; drop the font from it.
css = css.replace(/font-family:GDS Transport,arial,sans-serif/g, "font-family:arial,sans-serif");
css = css.replace(/"?GDS Transport"?,?/g, "");
// The crest is only used by the footer's copyright logo, which this service does not show.
replaceCounted(/url\(\/assets\/images\/govuk-crest\.svg\)/g, "none", 3, "crest references");
// Source maps are not vendored.
css = css.replace(/\/\*# sourceMappingURL=[^*]*\*\/\s*$/, "");

for (const banned of ["GDS Transport", "govuk-crest", "/assets/", "sourceMappingURL"]) {
  if (css.includes(banned)) throw new Error(`"${banned}" still present in the CSS`);
}

const charset = '@charset "UTF-8";';
const note =
  `/*! govuk-frontend ${version} | MIT Licence, (C) Crown Copyright (Government Digital Service) | ` +
  "modified by scripts/vendor-frontend.sh: GOV.UK-only font and crest image removed */";
css = css.startsWith(charset)
  ? charset + note + css.slice(charset.length)
  : note + css;
fs.writeFileSync(dest, css.trimEnd() + "\n");
NODE

# An ES module exporting initAll and the component classes; only the source map comment goes.
sed -e 's|//# sourceMappingURL=govuk-frontend\.min\.js\.map||' \
    "$GF_DIST/govuk-frontend.min.js" >"$DEST/govuk-frontend/govuk-frontend.min.js"

# The npm tarball carries no licence file; this is the upstream repository's LICENSE.txt.
cat >"$DEST/govuk-frontend/LICENSE.txt" <<'LICENSE'
The MIT License (MIT)

Copyright (C) 2017 Crown Copyright (Government Digital Service)

Permission is hereby granted, free of charge, to any person obtaining a copy of
this software and associated documentation files (the "Software"), to deal in
the Software without restriction, including without limitation the rights to
use, copy, modify, merge, publish, distribute, sublicense, and/or sell copies
of the Software, and to permit persons to whom the Software is furnished to do
so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
LICENSE

# --- htmx -------------------------------------------------------------------------------
cp "htmx/package/dist/htmx.min.js" "$DEST/htmx/htmx.min.js"
cp "htmx/package/LICENSE" "$DEST/htmx/LICENSE"

for f in "$DEST"/govuk-frontend/* "$DEST"/htmx/*; do
    if grep -q -e "GDS Transport" -e "govuk-crest" "$f"; then
        echo "$f still references the GDS Transport font or the crest" >&2
        exit 1
    fi
done

echo "Vendored govuk-frontend $GOVUK_FRONTEND_VERSION and htmx.org $HTMX_VERSION into $DEST"
