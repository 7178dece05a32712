#!/bin/sh
# Starts a nodejs policy pack as a binary analyzer plugin. The Pulumi engine runs the executable
# given to --policy-pack with its own address as the only argument; each pack folder links its
# `run-pack` here, so the pack is the folder the link lives in. This stands in for the Node.js
# language host, which the Go module proxy does not serve (see README, "The toolchain").
pack=$(cd "$(dirname "$0")" && pwd)
runner=$(cd "$pack" && node -p "require.resolve('@pulumi/pulumi/cmd/run-policy-pack')") || exit 1
cd "$pack" && exec node "$runner" "$1" "$pack"
