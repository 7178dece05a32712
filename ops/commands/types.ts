/** What every `platform <verb>` gets: its arguments after the verb and where to write. */
export interface CommandIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Repository root (the folder holding Pulumi.yaml). */
  root: string;
  env: NodeJS.ProcessEnv;
}

/** A verb: returns the process exit code. */
export type Command = (argv: string[], io: CommandIO) => Promise<number>;

export { UsageError } from "../errors";
