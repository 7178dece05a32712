/**
 * One command grammar for every verb: a declarative table per command (its arguments and flags,
 * each with a description and default), from which the parser, the usage line, `--help` and the
 * shell completion are all derived.
 *
 * The tokenizer is Node's built-in `util.parseArgs` (no dependency; `--flag=value`, `--flag value`,
 * `-y`, short groups and `--` all come from it). It runs with `strict: false` and `tokens: true`,
 * and the tokens are checked against the table here: in strict mode parseArgs words its own errors
 * ("Unknown option '--x'. To specify a positional argument ..."), while every verb keeps its
 * established messages and exit code 2 (`UsageError`), and number flags must see a value such as
 * `-3` or nothing at all to say what they got. commander was not needed: it would bring a
 * dependency, its own help and error texts and `process.exit` calls to be switched off again.
 */
import { parseArgs } from "util";
import { UsageError } from "../errors";

/** A flag that is there or not: `--yes`. */
export interface BooleanFlag {
  type: "boolean";
  /** What it does, for `--help` and completion. */
  description: string;
  /** One-letter alias: `y` for `-y`. */
  short?: string;
  /** Left out of the usage line (the argument part already shows it, as drift's `| --all`). */
  synopsis?: false;
}

/** A flag with a value: `--json FILE` or `--json=FILE`. */
export interface StringFlag {
  type: "string";
  /** What it does, for `--help` and completion. */
  description: string;
  /** The value's name in the usage line: `N`, `FILE`, `DIR`. */
  value: string;
  /** May be given several times; the values are collected in order. @default false */
  multiple?: boolean;
  /** The default, as `--help` shows it (the verb applies it). */
  default?: string;
  /** The environment variable it falls back to, as `--help` shows it (the verb reads it). */
  env?: string;
  /** One-letter alias. */
  short?: string;
  /** What the error says a bare flag lacks: `--json needs a file`. @default "a value" */
  needs?: string;
  /**
   * The verb checks a given value itself, even one that starts with `-`: a number flag reports
   * what it got (`(got -3)`, `(got --yes)`). A missing value is refused here for every value flag,
   * this one included (`--limit needs a number`, exit 2). Without it a separate value that starts
   * with `-` (but is not a negative number) is a usage error naming the flag too. @default false
   */
  verbChecksValue?: boolean;
  /** Left out of the usage line. */
  synopsis?: false;
}

export type Flag = BooleanFlag | StringFlag;
export type Flags = Record<string, Flag>;

/** A positional argument. */
export interface Positional {
  /** As the usage line shows it: `env`, `env|file`, `tool`. */
  name: string;
  description: string;
  /** The parser refuses the command without it. @default false */
  required?: boolean;
  /** Any number of them (only the last positional). @default false */
  variadic?: boolean;
  /** What completion offers: environments under stacks/, files, or fixed words. */
  complete?: "environment" | "file" | readonly string[];
}

/** How a command words its usage errors (kept per verb, as they have always read). */
export interface Messages {
  /** `unknown flag "--x"` instead of `unknown flag --x`. @default false */
  quote?: boolean;
  /** Between the message and the usage line. @default "; " */
  sep?: "; " | "\n";
  /** A required positional is missing. */
  missing?: (usage: string) => string;
  /** More positionals than the table has room for. */
  tooMany?: (kept: string[], extra: string, usage: string) => string;
  /** Two flags of one exclusive group. */
  exclusive?: (first: string, second: string, usage: string) => string;
}

/** The table of one command (a verb, or a subcommand such as `cluster up`). */
export interface CommandSpec<F extends Flags = Flags> {
  /** As typed after `platform`: `up`, `cluster up`. */
  name: string;
  /** One line: what it does. */
  summary: string;
  positionals: readonly Positional[];
  flags: F;
  /** Groups of flags (names in `flags`) of which at most one may be given: `[--remediate | --accept]`. */
  exclusive?: readonly (readonly string[])[];
  /** The argument part of the usage line when the positionals alone do not say it. */
  argsSynopsis?: string;
  /** Exit codes, for `--help`: `0: in sync`. */
  exits?: readonly string[];
  messages?: Messages;
  /** `toolchain install|doctor`: the first argument picks one of these. */
  subcommands?: Record<string, CommandSpec>;
}

/** The command line asked for help: the text to print (exit 0). Not an error. */
export class HelpRequest extends Error {
  override name = "HelpRequest";
  constructor(readonly text: string) {
    super("help requested");
  }
}

/** A command table, with its flag names and kinds kept for the parsed values' types. */
export function command<const F extends Flags>(spec: CommandSpec<F>): CommandSpec<F> {
  return spec;
}

/** The parsed value of each flag: booleans default to false, repeatable ones to []. */
export type FlagValues<F extends Flags> = {
  [K in keyof F]: F[K] extends BooleanFlag
    ? boolean
    : F[K] extends { multiple: true }
      ? string[]
      : string | undefined;
};

/** A parsed command line. */
export interface Parsed<F extends Flags> {
  flags: FlagValues<F>;
  /** The flags given, in the order they first appear. */
  given: (keyof F & string)[];
  positionals: string[];
}

const HELP_FLAG: BooleanFlag = { type: "boolean", short: "h", description: "show this help" };

function tokens(spec: CommandSpec, argv: string[]) {
  const options: Record<string, { type: "boolean" | "string"; short?: string; multiple?: boolean }> = {
    help: { type: "boolean", short: "h" },
  };
  for (const [name, flag] of Object.entries(spec.flags)) {
    options[name] = {
      type: flag.type,
      ...(flag.short ? { short: flag.short } : {}),
      ...(flag.type === "string" && flag.multiple ? { multiple: true } : {}),
    };
  }
  return parseArgs({ args: argv, options, strict: false, allowPositionals: true, tokens: true }).tokens;
}

/** `usage: platform up <env> [--yes] [--allow-dirty] [--parallel N]`. */
export function usageLine(spec: CommandSpec): string {
  const flagPart = (name: string): string => {
    const flag = spec.flags[name];
    return flag.type === "boolean" ? `--${name}` : `--${name} ${flag.value}${flag.multiple ? " ..." : ""}`;
  };
  const parts = [`usage: platform ${spec.name}`];
  const args = spec.argsSynopsis ?? positionalSynopsis(spec);
  if (args) parts.push(args);
  const done = new Set<string>();
  for (const [name, flag] of Object.entries(spec.flags)) {
    if (done.has(name) || flag.synopsis === false) continue;
    const group = spec.exclusive?.find((g) => g.includes(name));
    const members = group ?? [name];
    members.forEach((m) => done.add(m));
    parts.push(`[${members.map(flagPart).join(" | ")}]`);
  }
  return parts.join(" ");
}

/** `<env>`, `[env|file ...]`, `install|doctor`. */
export function positionalSynopsis(spec: CommandSpec): string {
  if (spec.subcommands) return Object.keys(spec.subcommands).join("|");
  return spec.positionals
    .map((p) => {
      if (p.required) return p.variadic ? `<${p.name}> [<${p.name}>...]` : `<${p.name}>`;
      return p.variadic ? `[${p.name} ...]` : `[${p.name}]`;
    })
    .join(" ");
}

function flagLabel(name: string, flag: Flag): string {
  const value = flag.type === "string" ? ` ${flag.value}` : "";
  return `${flag.short ? `-${flag.short}, ` : "    "}--${name}${value}`;
}

function flagNotes(flag: Flag): string {
  const notes: string[] = [];
  if (flag.type === "string") {
    if (flag.multiple) notes.push("repeatable");
    if (flag.default !== undefined) notes.push(`default: ${flag.default}`);
    if (flag.env) notes.push(`default from $${flag.env}`);
  }
  return notes.length ? ` (${notes.join("; ")})` : "";
}

function table(rows: [string, string][]): string[] {
  const width = Math.max(...rows.map(([left]) => left.length));
  return rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`.trimEnd());
}

/** The text of `platform <command> --help`: usage, what it does, arguments, flags with defaults. */
export function helpText(spec: CommandSpec): string {
  const lines = [usageLine(spec), "", spec.summary];
  if (spec.subcommands) {
    lines.push("", "commands:");
    lines.push(...table(Object.values(spec.subcommands).map((sub) => [`platform ${sub.name}`, sub.summary])));
    lines.push("", `run \`platform ${spec.name} <command> --help\` for a command's flags`);
  }
  if (spec.positionals.length > 0) {
    lines.push("", "arguments:");
    lines.push(...table(spec.positionals.map((p) => [p.name, p.description])));
  }
  lines.push("", "flags:");
  const flags: [string, string][] = Object.entries(spec.flags).map(([name, flag]) => [
    flagLabel(name, flag),
    `${flag.description}${flagNotes(flag)}`,
  ]);
  flags.push([flagLabel("help", HELP_FLAG), HELP_FLAG.description]);
  lines.push(...table(flags));
  if (spec.exclusive?.length) {
    for (const group of spec.exclusive)
      lines.push(`  (at most one of ${group.map((g) => `--${g}`).join(", ")})`);
  }
  if (spec.exits?.length) lines.push("", `exit codes: ${spec.exits.join(", ")}`);
  return `${lines.join("\n")}\n`;
}

/** The spec a command line addresses: a subcommand's when its first argument names one. */
export function resolveSpec(spec: CommandSpec, argv: string[]): { spec: CommandSpec; rest: string[] } {
  const sub = spec.subcommands && argv[0] !== undefined ? spec.subcommands[argv[0]] : undefined;
  if (sub && Object.hasOwn(spec.subcommands ?? {}, argv[0])) return { spec: sub, rest: argv.slice(1) };
  return { spec, rest: argv };
}

/** True when the command line asks for help (`-h`/`--help` before any `--`). */
export function wantsHelp(spec: CommandSpec, argv: string[]): boolean {
  return tokens(spec, argv).some((t) => t.kind === "option" && t.name === "help");
}

/**
 * Parses a command line against its table. Throws {@link HelpRequest} for `-h`/`--help` and
 * {@link UsageError} (exit 2) naming the flag or argument for: an unknown flag, a value given to
 * a boolean flag, a missing value, two flags of an exclusive group, a missing required or an
 * extra positional.
 */
export function parseCommand<F extends Flags>(spec: CommandSpec<F>, argv: string[]): Parsed<F> {
  const m = spec.messages ?? {};
  const sep = m.sep ?? "; ";
  const usage = usageLine(spec);
  const shown = (flag: string) => (m.quote ? `"${flag}"` : flag);
  const values: Record<string, string | string[] | boolean | undefined> = {};
  for (const [name, flag] of Object.entries(spec.flags)) {
    values[name] = flag.type === "boolean" ? false : flag.multiple ? [] : undefined;
  }
  const given: string[] = [];
  const positionals: string[] = [];
  const list = tokens(spec, argv);
  if (list.some((t) => t.kind === "option" && t.name === "help")) throw new HelpRequest(helpText(spec));
  for (const token of list) {
    if (token.kind === "option-terminator") continue;
    if (token.kind === "positional") {
      positionals.push(token.value);
      continue;
    }
    const flag = Object.hasOwn(spec.flags, token.name) ? spec.flags[token.name] : undefined;
    if (!flag) throw new UsageError(`unknown flag ${shown(token.rawName)}${sep}${usage}`);
    if (flag.type === "boolean") {
      if (token.value !== undefined) throw new UsageError(`${token.rawName} takes no value${sep}${usage}`);
      values[token.name] = true;
    } else {
      const value = token.value;
      const looksLikeFlag = value !== undefined && !token.inlineValue && /^-(?!\d)/.test(value);
      if (value === undefined || (looksLikeFlag && !flag.verbChecksValue)) {
        throw new UsageError(`${token.rawName} needs ${flag.needs ?? "a value"}${sep}${usage}`);
      }
      if (flag.multiple) (values[token.name] as string[]).push(value as string);
      else values[token.name] = value;
    }
    if (!given.includes(token.name)) given.push(token.name);
  }
  for (const group of spec.exclusive ?? []) {
    const hit = given.filter((g) => group.includes(g)).map((g) => `--${g}`);
    if (hit.length > 1) {
      throw new UsageError(
        m.exclusive?.(hit[0], hit[1], usage) ?? `${hit[0]} and ${hit[1]} are exclusive${sep}${usage}`,
      );
    }
  }
  const max = spec.positionals.some((p) => p.variadic) ? Infinity : spec.positionals.length;
  if (positionals.length > max) {
    const extra = positionals[max];
    throw new UsageError(
      m.tooMany?.(positionals.slice(0, max), extra, usage) ?? `unexpected argument "${extra}"${sep}${usage}`,
    );
  }
  const required = spec.positionals.filter((p) => p.required).length;
  if (positionals.length < required) {
    const missing = spec.positionals.filter((p) => p.required)[positionals.length];
    throw new UsageError(m.missing?.(usage) ?? `missing <${missing.name}>${sep}${usage}`);
  }
  return { flags: values as FlagValues<F>, given: given as (keyof F & string)[], positionals };
}
