/**
 * Files that are not specs read as what they are: too deep, several documents, an alias bomb at
 * its alias, a symlink loop; and a huge map's duplicate keys are found in linear time.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { checkSpec, resolveSpecPath } from "../../../model/load";
import { BASE, edit, problemsOf } from "./fixtures";

describe("YAML that is not a spec", () => {
  test("deep nesting says so, not 'YAML syntax error: Maximum call stack size exceeded'", () => {
    for (const text of [
      `environment: ${"[".repeat(20_000)}${"]".repeat(20_000)}\n`,
      `a: ${"{b: ".repeat(20_000)}1${"}".repeat(20_000)}\n`,
    ]) {
      const [problem, ...rest] = problemsOf(text);
      expect(rest).toEqual([]);
      expect(problem).toMatch(/^1:\d+ \(yaml\): the YAML nests too deeply to read/);
      expect(problem).not.toMatch(/call stack|syntax error/i);
    }
  });

  test("several documents point at the second one and name no library function", () => {
    expect(problemsOf(`${BASE}---\nenvironment: other\n`)).toEqual([
      expect.stringMatching(/^37:1 \(yaml\): the file holds more than one YAML document/),
    ]);
    expect(problemsOf(`${BASE}---\nenvironment: other\n`).join("")).not.toContain("parseAllDocuments");
  });

  test("an alias bomb is reported at its first alias, not at 1:1", () => {
    const bomb = [
      'x1: &a ["l","l","l","l","l","l","l","l","l","l"]',
      "x2: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]",
      "x3: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]",
      "x4: [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]",
      "",
    ].join("\n");
    expect(problemsOf(bomb)).toEqual([
      expect.stringMatching(/^2:9 \(yaml\): aliases \(\*name\) expand to more than 100 copies/),
    ]);
  });
});

describe("duplicate keys", () => {
  test("50,000 keys in one map with a duplicate at the end are checked in linear time", () => {
    const keys = Array.from({ length: 50_000 }, (_, i) => `      K${i}: v`).join("\n");
    const text = edit(BASE, "    env: { LOG_LEVEL: info }\n", `    env:\n${keys}\n      K7: again\n`);
    const started = Date.now();
    const problems = problemsOf(text);
    const elapsed = Date.now() - started;
    expect(problems).toEqual([
      '50026:7 apps.checkout.env.K7: duplicate key "K7": already defined at line 33; keep only one',
    ]);
    // The quadratic check took about 30 s here for this map; linear is well under a tenth of it.
    expect(elapsed).toBeLessThan(10_000);
  }, 60_000);

  test('keys that only look alike are not duplicates (1 and "1")', () => {
    const text = edit(BASE, "    env: { LOG_LEVEL: info }", '    env: { LOG_LEVEL: info, "1": a }');
    expect(checkSpec(text, "spec.yaml").problems.filter((p) => p.message.startsWith("duplicate"))).toEqual(
      [],
    );
  });
});

describe("symlinks that lead nowhere", () => {
  test("a symlink loop is named as a loop, not as a missing environment", () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "read-errors-"));
    try {
      fs.mkdirSync(path.join(root, "stacks", "loop"), { recursive: true });
      const spec = path.join(root, "stacks", "loop", "platform.yaml");
      fs.symlinkSync(spec, spec);
      expect(() => resolveSpecPath("loop", root)).toThrow(
        "stacks/loop/platform.yaml cannot be read: it is a symlink loop (a link that points back at itself)",
      );
      fs.rmSync(spec);
      fs.symlinkSync(path.join(root, "gone.yaml"), spec);
      expect(() => resolveSpecPath("loop", root)).toThrow(
        /cannot be read: it is a symlink whose target does not exist/,
      );
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
