#!/usr/bin/env bash
# Renders an HTML page (e.g. a `runner report --html` page) to a PNG with headless Chromium.
#
# Usage: scripts/render-html.sh IN.html OUT.png [WIDTHxHEIGHT]   (default 1200x1600)
#
# Installs the Debian package `chromium` with apt-get when no Chromium is on the PATH.
set -euo pipefail

usage() {
    echo "usage: $0 IN.html OUT.png [WIDTHxHEIGHT]" >&2
    exit 64
}

[[ $# -ge 2 && $# -le 3 ]] || usage
input=$1
output=$2
size=${3:-1200x1600}

[[ -f $input ]] || { echo "$0: $input: no such file" >&2; exit 64; }
[[ $size =~ ^([0-9]+)x([0-9]+)$ ]] || { echo "$0: size '$size' is not WIDTHxHEIGHT, e.g. 1200x1600" >&2; exit 64; }
width=${BASH_REMATCH[1]}
height=${BASH_REMATCH[2]}

browser=""
for candidate in chromium chromium-browser google-chrome; do
    if command -v "$candidate" >/dev/null 2>&1; then
        browser=$candidate
        break
    fi
done
if [[ -z $browser ]]; then
    echo "$0: installing chromium with apt-get" >&2
    sudo=""
    [[ $(id -u) -eq 0 ]] || sudo=sudo
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends chromium >/dev/null
    browser=chromium
fi

# Absolute paths: Chromium resolves relative ones against its own working directory.
input_url="file://$(cd "$(dirname "$input")" && pwd)/$(basename "$input")"
output_path="$(cd "$(dirname "$output")" && pwd)/$(basename "$output")"
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT

"$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run \
    --user-data-dir="$profile" --screenshot="$output_path" --window-size="$width,$height" \
    "$input_url" >/dev/null 2>"$profile/stderr" || {
    cat "$profile/stderr" >&2
    echo "$0: $browser failed to render $input" >&2
    exit 1
}
[[ -s $output_path ]] || { cat "$profile/stderr" >&2; echo "$0: no screenshot written to $output" >&2; exit 1; }
echo "$output"
