#!/bin/sh
# Starts the policy pack as a binary analyzer plugin. The Pulumi engine runs the executable given to
# --policy-pack with its own address as the only argument; policies/pack/run-pack links here, so the
# pack is the folder the link lives in. This stands in for the Node.js language host, which the Go
# module proxy does not serve (see README, "The toolchain").
# run-policy-pack.js runs the pack compiled once to JavaScript (compile-pack.js, cached by content
# hash under node_modules/.cache): no TypeScript compiler at start (`npm run typecheck` covers the
# pack), and no extra node process to find a runner.
# `exec`, so node's parent is the engine itself: exit-with-parent.js (preloaded) ends the pack
# when that parent is gone, as the engine runs plugins in process groups of their own and a killed
# engine (SIGKILL, a crash) would otherwise leave the pack running.
pack=$(cd "$(dirname "$0")" && pwd) || exit 1
cd "$pack" &&
  exec node --require "$pack/../exit-with-parent.js" "$pack/../run-policy-pack.js" "$1"
