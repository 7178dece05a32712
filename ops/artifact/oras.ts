/**
 * The toolchain's pinned `oras` (1.3.6, built from Go modules by `platform toolchain install
 * oras`): the one OCI client both `platform publish` and the agent's OCI source use. It runs with
 * argument arrays (never a shell string); credentials come from the Docker config oras reads
 * (`oras login`), never from arguments.
 */
import { execFile } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { toolchainBinDir } from "../toolchain/install";

/** oras failed or is missing; the message names the command and oras's own last lines. */
export class OrasError extends Error {
  override name = "OrasError";
}

/** How one oras command runs. */
export interface OrasOptions {
  /** The process environment (HOME for the Docker config, the toolchain cache). */
  env: NodeJS.ProcessEnv;
  /** Adds `--plain-http` (see ./reference usePlainHttp). */
  plainHttp: boolean;
  /** @default the current directory */
  cwd?: string;
  /** A command that takes longer is stopped. @default 120 s */
  timeoutMs?: number;
  /** Stdout larger than this fails the command. @default 16 MiB */
  maxBuffer?: number;
}

/** The oras binary; throws {@link OrasError} saying how to build it when it is missing. */
export function orasPath(env: NodeJS.ProcessEnv): string {
  const file = path.join(toolchainBinDir(env), "oras");
  if (fs.existsSync(file)) return file;
  throw new OrasError(
    `oras is not installed in the toolchain (${file}): run \`platform toolchain install oras\` (it builds the pinned oras from Go modules, once)`,
  );
}

/**
 * Runs `oras <verb...> [--plain-http] <args>`; resolves to stdout. `verb` is the subcommand
 * (`["manifest", "fetch"]`), `args` what follows it.
 */
export async function oras(verb: string[], args: string[], opts: OrasOptions): Promise<string> {
  return (await orasBytes(verb, args, opts)).toString("utf8");
}

/** Like {@link oras}, but resolves to stdout's raw bytes (a manifest: its digest is of its bytes). */
export function orasBytes(verb: string[], args: string[], opts: OrasOptions): Promise<Buffer> {
  const bin = orasPath(opts.env);
  const argv = [...verb, ...(opts.plainHttp ? ["--plain-http"] : []), ...args];
  return new Promise((resolve, reject) => {
    execFile(
      bin,
      argv,
      {
        cwd: opts.cwd,
        env: opts.env,
        timeout: opts.timeoutMs ?? 120_000,
        maxBuffer: opts.maxBuffer ?? 16 << 20,
        encoding: "buffer",
      },
      (err, stdout, stderr) => {
        if (!err) return resolve(stdout);
        const said = String(stderr || "")
          .trim()
          .split("\n")
          .slice(-3)
          .join(" ");
        reject(new OrasError(`oras ${verb.join(" ")} failed: ${said || err.message}`, { cause: err }));
      },
    );
  });
}
