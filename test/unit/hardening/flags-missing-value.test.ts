/**
 * One rule for every value flag of every verb: given last with its value missing, the command
 * exits 2 naming the flag, before anything runs (issue 29, item 8: `history local --limit` used
 * to exit 0 and ignore the flag).
 */
import { main } from "../../../ops/cli";
import { CommandSpec } from "../../../ops/commands/grammar";
import { TABLES } from "../../../ops/commands/tables";

/** Every command line that ends in a value flag without its value, with the flag's name. */
function cases(): [string, string[]][] {
  const out: [string, string[]][] = [];
  const visit = (words: string[], spec: CommandSpec) => {
    if (spec.subcommands) {
      for (const [name, sub] of Object.entries(spec.subcommands)) visit([...words, name], sub);
    }
    const positionals = spec.positionals.filter((p) => p.required).map(() => "local");
    for (const [name, flag] of Object.entries(spec.flags)) {
      if (flag.type === "string") out.push([`--${name}`, [...words, ...positionals, `--${name}`]]);
    }
  };
  for (const [verb, spec] of Object.entries(TABLES)) visit([verb], spec);
  return out;
}

describe("a value flag with its value missing", () => {
  const all = cases();
  test("there are value flags in many verbs (the table walk finds them)", () => {
    expect(new Set(all.map(([, argv]) => argv[0])).size).toBeGreaterThan(8);
  });
  test.each(all)("%s last in %j exits 2 naming the flag", async (flag, argv) => {
    let err = "";
    const code = await main(argv, { stdout: () => undefined, stderr: (s) => (err += s) });
    expect(code).toBe(2);
    expect(err).toContain(flag);
    expect(err).toMatch(/needs|must be/);
  });
});
