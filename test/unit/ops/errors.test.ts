import * as fs from "fs";
import * as path from "path";
import { UsageError, PreflightError } from "../../../ops/errors";
import { resultOfError } from "../../../ops/result";
import { EnvironmentNameError } from "../../../model/environment";
import { SpecValidationError } from "../../../model/problems";
import { parseSpec } from "../../../model/load";

/**
 * The project's rules for errors, checked over every source file (so that the next error class or
 * re-throw is held to them too): every error class sets its `name`, and every error thrown while
 * handling another keeps it as its `cause`.
 */
const ROOT = path.resolve(__dirname, "../../..");
const SOURCES = ["ops", "model", "components", "program", "policies"].flatMap((dir) =>
  (fs.readdirSync(path.join(ROOT, dir), { recursive: true }) as string[])
    .filter((f) => f.endsWith(".ts"))
    .map((f) => path.join(dir, f)),
);
const read = (file: string) => fs.readFileSync(path.join(ROOT, file), "utf8");

/** The text of the block whose `{` is at `open`. */
function block(text: string, open: number): string {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === "{") depth++;
    else if (text[i] === "}" && --depth === 0) return text.slice(open + 1, i);
  }
  return text.slice(open + 1);
}

/** The argument text of the call whose `(` is at `open`. */
function args(text: string, open: number): string {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === "(") depth++;
    else if (text[i] === ")" && --depth === 0) return text.slice(open + 1, i);
  }
  return text.slice(open + 1);
}

const errorClasses = SOURCES.flatMap((file) =>
  [...read(file).matchAll(/class (\w+) extends (\w*Error)\b[^{]*\{/g)].map((m) => ({
    file,
    name: m[1],
    body: block(read(file), (m.index ?? 0) + m[0].length - 1),
  })),
);

test("the walk finds the error classes (the rule below is not checked over nothing)", () => {
  expect(errorClasses.map((c) => c.name)).toEqual(
    expect.arrayContaining(["UsageError", "PreflightError", "SpecValidationError", "SourceError"]),
  );
});

test.each(errorClasses.map((c) => [c.name, c.file, c.body] as const))(
  "%s (%s) sets its name",
  (name, _file, body) => {
    expect(body).toMatch(new RegExp(`(this\\.name|override name) = "${name}"`));
  },
);

const rethrows = SOURCES.flatMap((file) => {
  const text = read(file);
  return [...text.matchAll(/catch\s*(?:\((\w+)[^)]*\))?\s*\{/g)].flatMap((m) => {
    const body = block(text, (m.index ?? 0) + m[0].length - 1);
    return [...body.matchAll(/throw new (\w+)\(/g)].map((t) => ({
      where: `${file}: throw new ${t[1]} in catch (${m[1] ?? "unnamed"})`,
      args: args(body, (t.index ?? 0) + t[0].length - 1),
    }));
  });
});

test("the walk finds the re-throws", () => {
  expect(rethrows.length).toBeGreaterThan(20);
});

test.each(rethrows.map((r) => [r.where, r.args] as const))("%s keeps the cause", (_where, text) => {
  expect(text).toMatch(/\bcause\b/);
});

test("the error classes' names show at run time", () => {
  expect(new UsageError("x").name).toBe("UsageError");
  expect(new PreflightError("spec", "x").name).toBe("PreflightError");
  expect(new EnvironmentNameError("x").name).toBe("EnvironmentNameError");
});

describe("resultOfError: what a failed verb tells the agent", () => {
  const spec = new SpecValidationError([
    {
      file: "stacks/local/platform.yaml",
      line: 25,
      col: 15,
      path: "apps.checkout.replicas",
      message: "must be an integer",
    },
  ]);
  test.each([
    [
      "a pre-flight refusal by its check",
      new PreflightError("locks", "held"),
      { reason: "LockHeld", check: "locks" },
    ],
    [
      "an invalid spec",
      spec,
      {
        reason: "SpecInvalid",
        message: "stacks/local/platform.yaml:25:15 apps.checkout.replicas: must be an integer",
      },
    ],
    [
      "an invalid spec behind another error",
      new Error("loading failed", { cause: spec }),
      { reason: "SpecInvalid" },
    ],
    [
      "an environment whose folder is gone (a usage error caused by it)",
      new UsageError("no environment", { cause: new EnvironmentNameError("no environment") }),
      { reason: "EnvironmentRemoved" },
    ],
    ["anything else", new Error("boom"), { reason: "EngineError", message: "boom" }],
  ])("%s", (_name, err, expected) => {
    expect(resultOfError(err)).toMatchObject({ outcome: "failed", ...expected });
  });
  test("a plain usage error writes nothing", () => {
    expect(resultOfError(new UsageError("bad flag"))).toBeUndefined();
  });
});

describe("issue 29 item 6: the pushed commits an agent used to retry as EngineError", () => {
  const file = path.join(ROOT, "stacks", "local", "platform.yaml");
  const local = fs.readFileSync(file, "utf8");
  const resultOf = (text: string) => {
    try {
      parseSpec(text, file, { root: ROOT });
    } catch (err) {
      return resultOfError(new Error("up failed", { cause: err }));
    }
    throw new Error("the spec was accepted");
  };

  test.each([
    [
      'replicas: "lots"',
      local.replace("replicas: 2\n", 'replicas: "lots"\n'),
      /^stacks\/local\/platform\.yaml:\d+:\d+ apps\.checkout\.replicas: /,
    ],
    [
      "environment: production in stacks/local",
      local.replace("environment: local\n", "environment: production\n"),
      /^stacks\/local\/platform\.yaml:\d+:\d+ environment: "production" does not match the folder stacks\/local\//,
    ],
  ])("%s is SpecInvalid with file:line:col", (_name, text, message) => {
    expect(text).not.toBe(local);
    const result = resultOf(text);
    expect(result).toMatchObject({ outcome: "failed", reason: "SpecInvalid", check: "spec" });
    expect(result?.message).toMatch(message);
  });
});
