#!/bin/sh
# Starts a nodejs policy pack as a binary analyzer plugin. The Pulumi engine runs the executable
# given to --policy-pack with its own address as the only argument; each pack folder links its
# `run-pack` here, so the pack is the folder the link lives in. This stands in for the Node.js
# language host, which the Go module proxy does not serve (see README, "The toolchain").
# The pack's TypeScript is compiled on load by tsx (esbuild: no type check here; `npm run
# typecheck` covers the packs): the runner's own ts-node is told to ignore every file
# (TS_NODE_IGNORE), so it hands them to tsx. This starts a pack in about a second instead of the
# many seconds a type-checking ts-node takes.
# `exec`, so node's parent is the engine itself: exit-with-parent.js (preloaded) ends the pack
# when that parent is gone, as the engine runs plugins in process groups of their own and a killed
# engine (SIGKILL, a crash) would otherwise leave every pack running.
pack=$(cd "$(dirname "$0")" && pwd)
runner=$(cd "$pack" && node -p "require.resolve('@pulumi/pulumi/cmd/run-policy-pack')") || exit 1
cd "$pack" &&
  TS_NODE_IGNORE=. exec node --require tsx/cjs --require "$pack/../exit-with-parent.js" "$runner" "$1" "$pack"
