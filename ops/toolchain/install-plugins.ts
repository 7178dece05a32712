/**
 * `npx tsx ops/toolchain/install-plugins.ts <env> [--print]`: installs exactly the provider
 * plugins <env>'s program uses (aws, gcp, vault; kubernetes comes from the toolchain), each at the
 * version of its npm SDK, into the engine's PULUMI_HOME, with the pinned CLI. CI runs it before
 * every `platform up|preview|drift` of a cloud environment; it needs the internet (the plugins are
 * not buildable from the Go module proxy). `--print` only prints the commands. In a workflow it
 * also sets the step output `plugins` (e.g. `aws,gcp,vault`), which gates the cloud login steps.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { loadEnvironment } from "../../model/environment";
import { engineEnv } from "./engineEnv";
import { toolchainBinDir } from "./install";
import { pluginInstalls } from "./plugins";

function main(argv: string[]): number {
  const root = path.resolve(__dirname, "..", "..");
  const envName = argv.find((a) => !a.startsWith("-"));
  const unknown = argv.find((a) => a.startsWith("-") && a !== "--print");
  if (!envName || unknown) {
    process.stderr.write("usage: npx tsx ops/toolchain/install-plugins.ts <env> [--print]\n");
    return 2;
  }
  const installs = pluginInstalls(root, loadEnvironment(envName, { root }).spec);
  const pulumi = path.join(toolchainBinDir(process.env), "pulumi");
  const env = { ...process.env, ...engineEnv({ root, env: process.env }, {}) };
  if (installs.length === 0) process.stderr.write(`${envName}: no provider plugins to install\n`);
  // In a workflow: which clouds this environment uses, so only their credential steps run.
  if (process.env.GITHUB_OUTPUT) {
    fs.appendFileSync(process.env.GITHUB_OUTPUT, `plugins=${installs.map((i) => i.pin.name).join(",")}\n`);
  }
  for (const { argv: args } of installs) {
    process.stderr.write(`PULUMI_HOME=${env.PULUMI_HOME} pulumi ${args.join(" ")}\n`);
    if (argv.includes("--print")) continue;
    if (!fs.existsSync(pulumi)) {
      process.stderr.write(`${pulumi} is missing: run \`platform toolchain install pulumi\` first\n`);
      return 1;
    }
    const res = spawnSync(pulumi, args, { env, stdio: "inherit" });
    if (res.status !== 0) {
      process.stderr.write(
        `pulumi ${args.join(" ")} failed (exit ${res.status ?? res.signal}): is the internet reachable?\n`,
      );
      return 1;
    }
  }
  return 0;
}

process.exit(main(process.argv.slice(2)));
