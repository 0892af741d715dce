#!/usr/bin/env bash
# Re-fetch the vendored GraphiQL page assets from the npm registry.
#
# The files next to this script are copied byte for byte out of the npm
# packages pinned below (npm checks each tarball against the registry's
# integrity hash). This script also writes LICENSES.txt, SHA256SUMS and
# README.md, so nothing here is ever edited by hand: change a version below,
# run the script, then load GraphiQL and run tests/gateway/test_graphiql_browser.py.
#
# GraphiQL 4.x is the last major line that publishes a UMD build (5.x ships
# ES modules only); React 18 is the last React with UMD builds.
set -euo pipefail

# package  version  file in the package  name here
ASSETS=(
    "react 18.3.1 umd/react.production.min.js react.production.min.js"
    "react-dom 18.3.1 umd/react-dom.production.min.js react-dom.production.min.js"
    "graphiql 4.1.2 graphiql.min.js graphiql.min.js"
    "graphiql 4.1.2 graphiql.min.css graphiql.min.css"
    "@graphiql/plugin-explorer 4.0.6 dist/index.umd.js plugin-explorer.umd.js"
    "@graphiql/plugin-explorer 4.0.6 dist/style.css plugin-explorer.css"
)
# Bundled inside plugin-explorer.umd.js: fetched for its licence text only.
BUNDLED=("graphiql-explorer 0.9.0")
# Townhall's own files in this folder (the page script and layout), kept.
OWN="townhall-*"

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

command -v npm >/dev/null || { echo "update.sh: npm is needed" >&2; exit 1; }
command -v node >/dev/null || { echo "update.sh: node is needed" >&2; exit 1; }

# Unpack PACKAGE@VERSION into $work/NAME-VERSION; print "integrity licence".
fetch() {
    local name="$1" version="$2" dir="$work/${1//\//_}-$2"
    if [ ! -d "$dir" ]; then
        mkdir -p "$dir"
        npm pack --silent --json --pack-destination "$dir" "$name@$version" >"$dir/pack.json"
        tar -xzf "$dir"/*.tgz -C "$dir"
    fi
    node -e '
        const [packJson, pkgJson] = process.argv.slice(1);
        const pack = require(packJson)[0], pkg = require(pkgJson);
        console.log(pack.integrity, pkg.license);
    ' "$dir/pack.json" "$dir/package/package.json"
}
pkgdir() { echo "$work/${1//\//_}-$2/package"; }

# Remove what an earlier version left, keeping this script and our own files.
find "$here" -maxdepth 1 -type f \( -name '*.js' -o -name '*.css' \) \
    ! -name "$OWN" -delete

table=""
licences=""
seen=" "
for line in "${ASSETS[@]}"; do
    read -r name version source target <<<"$line"
    info="$(fetch "$name" "$version")"
    read -r integrity licence <<<"$info"
    cp "$(pkgdir "$name" "$version")/$source" "$here/$target"
    table+="| \`$target\` | \`$name\` | $version | \`$source\` | $licence |"$'\n'
    if [[ "$seen" != *" $name@$version "* ]]; then
        seen+="$name@$version "
        licences+="$name $version ($licence, tarball $integrity)"$'\n'
    fi
done
for line in "${BUNDLED[@]}"; do
    read -r name version <<<"$line"
    info="$(fetch "$name" "$version")"
    read -r integrity licence <<<"$info"
    licences+="$name $version ($licence, bundled in plugin-explorer.umd.js)"$'\n'
done

# Licence texts, one per package; a package without a LICENSE file (the
# explorer plugin) is published from the same repository as graphiql.
{
    echo "Licences of the files in this folder, as their npm packages ship them."
    echo
    for line in "${ASSETS[@]}" "${BUNDLED[@]}"; do
        read -r name version _ <<<"$line"
        dir="$(pkgdir "$name" "$version")"
        [[ " ${done_pkgs:-} " == *" $name "* ]] && continue
        done_pkgs="${done_pkgs:-} $name"
        echo "==== $name $version"
        if [ -f "$dir/LICENSE" ]; then
            cat "$dir/LICENSE"
        else
            echo "(no LICENSE file in the package; package.json: $(node -p \
                "require('$dir/package.json').license") - published from" \
                "$(node -p "(require('$dir/package.json').repository||{}).url||'?'"))"
        fi
        echo
    done
} >"$here/LICENSES.txt"

(cd "$here" && sha256sum -- *.js *.css | grep -v "  townhall-" >SHA256SUMS)

cat >"$here/README.md" <<EOF
# Vendored GraphiQL

The GraphiQL page at \`/graphql\` loads only these files, served by the gateway at
\`/static/graphiql/\`, so it works on a network without internet access. They are copied
unchanged from the npm packages below by \`update.sh\` (written by it too: this README,
\`LICENSES.txt\`, \`SHA256SUMS\`); never edit them by hand. To upgrade, change a version in
\`update.sh\`, run it, and run \`tests/gateway/test_graphiql_browser.py\`.

\`townhall-graphiql.js\` and \`townhall-graphiql.css\` are Townhall's own page script and
layout (the page template is \`../graphiql.html\`); \`update.sh\` keeps them.

| file | npm package | version | path in the package | licence |
|---|---|---|---|---|
$table
Packages and tarball integrity (licence texts in \`LICENSES.txt\`):

\`\`\`
$licences\`\`\`
EOF

echo "update.sh: assets written to $here"
