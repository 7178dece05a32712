import { doctor, renderDoctor } from "../toolchain/doctor";
import { installToolchain, ToolchainError } from "../toolchain/install";
import { Command, UsageError } from "./types";

/** `platform toolchain install [tool...]` | `platform toolchain doctor [--json]` */
export const toolchain: Command = async (argv, io) => {
  const [sub, ...rest] = argv;
  switch (sub) {
    case "install": {
      const only = rest.filter((a) => !a.startsWith("-"));
      const unknownFlag = rest.find((a) => a.startsWith("-"));
      if (unknownFlag)
        throw new UsageError(`unknown flag ${unknownFlag}; usage: platform toolchain install [tool...]`);
      try {
        await installToolchain({
          root: io.root,
          env: io.env,
          log: (l) => io.stderr(l + "\n"),
          only: only.length ? only : undefined,
        });
      } catch (err) {
        if (err instanceof ToolchainError) {
          io.stderr(`platform toolchain install: ${err.message}\n`);
          return 1;
        }
        throw err;
      }
      io.stdout(renderDoctor(doctor(io.env, io.root)));
      return 0;
    }
    case "doctor": {
      const rows = doctor(io.env, io.root);
      io.stdout(rest.includes("--json") ? JSON.stringify(rows, null, 2) + "\n" : renderDoctor(rows));
      return rows.every((r) => r.ok || r.optional) ? 0 : 1;
    }
    default:
      throw new UsageError(`expected "install" or "doctor", got ${sub ? `"${sub}"` : "nothing"}`);
  }
};
