/** What every `platform <verb>` gets: its arguments after the verb and where to read and write. */
export interface CommandIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Repository root (the folder holding Pulumi.yaml). */
  root: string;
  /** The process environment (`process.env`, or a test's own). */
  processEnv: NodeJS.ProcessEnv;
  /** Where a question's answer comes from (`process.stdin`); `isTTY` says whether a person is there. */
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
}

/**
 * A verb: returns the process exit code (see `EXIT`). Throws `UsageError` (exit 2) for bad flags
 * or arguments and `HelpRequest` (./grammar) for `--help`; `main` prints either.
 */
export type Command = (argv: string[], io: CommandIO) => Promise<number>;

export { EXIT, PreflightError, UsageError } from "../errors";
