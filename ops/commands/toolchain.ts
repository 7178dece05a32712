import { doctor, renderDoctor } from "../toolchain/doctor";
import { installToolchain, ToolchainError } from "../toolchain/install";
import { parseCommand } from "./grammar";
import { TOOLCHAIN_DOCTOR, TOOLCHAIN_INSTALL } from "./tables";
import { Command, EXIT, UsageError } from "./types";

/** `platform toolchain install [tool...]` | `platform toolchain doctor [--json]` */
export const toolchain: Command = async (argv, io) => {
  const [sub, ...rest] = argv;
  switch (sub) {
    case "install": {
      const only = parseCommand(TOOLCHAIN_INSTALL, rest).positionals;
      try {
        await installToolchain({
          root: io.root,
          env: io.processEnv,
          log: (l) => io.stderr(l + "\n"),
          only: only.length ? only : undefined,
        });
      } catch (err) {
        if (err instanceof ToolchainError) {
          io.stderr(`platform toolchain install: ${err.message}\n`);
          return EXIT.failure;
        }
        throw err;
      }
      io.stdout(renderDoctor(doctor(io.processEnv, io.root)));
      return EXIT.ok;
    }
    case "doctor": {
      const { flags } = parseCommand(TOOLCHAIN_DOCTOR, rest);
      const rows = doctor(io.processEnv, io.root);
      io.stdout(flags.json ? JSON.stringify(rows, null, 2) + "\n" : renderDoctor(rows));
      return rows.every((r) => r.ok || r.optional) ? EXIT.ok : EXIT.failure;
    }
    default:
      throw new UsageError(`expected "install" or "doctor", got ${sub ? `"${sub}"` : "nothing"}`);
  }
};
