// The policy pack's process, started by run-pack.sh with the engine's address as the only
// argument (the engine runs binary analyzer plugins that way). It loads the compiled pack
// (compile-pack.js: a bundle cached by content hash, built here on the first start after a rule
// changes), whose PolicyPack serves the analyzer and prints its port for the engine. This replaces
// @pulumi/pulumi's cmd/run-policy-pack, which registers ts-node and loads the TypeScript compiler
// and all of @pulumi/pulumi before it even reads the pack. The working directory is the pack's
// folder (PolicyPack reads its version from ./package.json there).
"use strict";

const path = require("path");
const { compiledPack } = require("./compile-pack.js");

if (process.argv.length < 3) {
  console.error(
    "usage: run-policy-pack.js <engine-address> (the Pulumi engine starts this through policies/pack/run-pack)",
  );
  process.exit(2);
}

compiledPack(path.resolve(__dirname, "..")).then(
  ({ file }) => require(file),
  (err) => {
    console.error(`platform policy pack: ${err.stack || err.message}`);
    process.exit(1);
  },
);
