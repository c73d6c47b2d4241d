#!/usr/bin/env bash
# Installs what Lambkin's sandboxes and its test suite need on a fresh Debian 12 machine (run as root).
# Idempotent: quick when everything is already there. Used by .ci/run and `npm run setup`.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v bwrap >/dev/null || need+=(bubblewrap)
command -v nft >/dev/null || need+=(nftables)
command -v ip >/dev/null || need+=(iproute2)
command -v mkfs.ext4 >/dev/null || need+=(e2fsprogs)
command -v nsenter >/dev/null || need+=(util-linux)
command -v curl >/dev/null || need+=(curl)
{ [ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import json' 2>/dev/null; } || need+=(python3)
# Test-only: AWS CLI v2 (`aws logs tail`), and autotools to build aws-lambda-ric's native addon.
[ -x /usr/bin/aws ] || need+=(awscli)
command -v autoreconf >/dev/null || need+=(autoconf automake)
command -v libtoolize >/dev/null || need+=(libtool)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "setup: missing packages: ${need[*]} (run as root: apt-get install ${need[*]})" >&2
    exit 1
  fi
  echo "setup: apt-get install ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# AWS's own Node runtime interface client, for the compatibility test (a native build, ~1 minute once).
if [ ! -f .cache/ric/node_modules/aws-lambda-ric/bin/index.mjs ]; then
  echo "setup: building aws-lambda-ric@3 into .cache/ric"
  mkdir -p .cache/ric
  (cd .cache/ric && [ -f package.json ] || echo '{"name":"ric-cache","private":true}' > package.json)
  (cd .cache/ric && env -u NODE_EXTRA_CA_CERTS npm install --no-audit --no-fund --loglevel=error aws-lambda-ric@3 >/dev/null)
fi
echo "setup: ok"
