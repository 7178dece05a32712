/**
 * Nothing a reader's terminal or a CI log can be fooled by, no secret echoed (issue 29, item 3).
 * The verbs run through `main`, so the one sanitizer on every human-facing stream is what is tested.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { main } from "../../../ops/cli";
import { errorText } from "../../../ops/engine/causes";
import { writeOutput } from "../../../ops/files";
import { displayInline, displayText } from "../../../model/display";
import { BASE, edit, problemsOf } from "../model/fixtures";

const ROOT = path.resolve(__dirname, "../../..");
let dir = "";
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "hardening-output-"));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

async function run(argv: string[], extra: { root?: string; processEnv?: NodeJS.ProcessEnv } = {}) {
  let out = "";
  let err = "";
  const code = await main(argv, {
    root: extra.root ?? ROOT,
    processEnv: extra.processEnv ?? {},
    stdout: (s) => (out += s),
    stderr: (s) => (err += s),
  });
  return { code, text: out + err };
}

const RAW = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

describe("the one sanitizer", () => {
  test.each([
    ["\u001b]0;owned\u0007", "\\x1b]0;owned\\x07"],
    ["\u001b[31mred", "\\x1b[31mred"],
    ["abc\u202edef", "abc\\u202edef"],
    ["a\tb\nc", "a\tb\nc"],
    ["\u0000\u009b", "\\x00\\x9b"],
  ])("%j is shown as %j", (given, shown) => {
    expect(displayText(given)).toBe(shown);
  });
  test("inside a value newlines are escaped too", () => {
    expect(displayInline("a\nb")).toBe("a\\nb");
  });
});

describe("policy check writes object names escaped", () => {
  test("terminal escapes and U+202E in manifest names reach the output escaped", async () => {
    const names = ["\u001b]0;pwned\u0007", "\u001b[31mred", "evil\u202egnp.exe"];
    fs.writeFileSync(
      path.join(dir, "objects.yaml"),
      names
        .map(
          (name) =>
            `apiVersion: v1\nkind: Pod\nmetadata: { name: ${JSON.stringify(name)}, namespace: default }\nspec: { containers: [{ name: c, image: "nginx:latest" }] }\n`,
        )
        .join("---\n"),
    );
    const r = await run(["policy", "check", "--manifests", dir]);
    expect(r.text.length).toBeGreaterThan(0);
    expect(r.text).not.toMatch(RAW);
    expect(r.text).toContain("\\x1b");
  }, 60_000);
});

describe("validate never echoes a secret, nor raw control characters", () => {
  test("an inline secret is refused with its type and length, not its value", () => {
    const text = edit(
      BASE,
      "DATABASE_URL: { source: vault, path: payments/checkout/db }",
      'DB_PASSWORD: "hunter2-s3cr3t"',
    );
    const problems = problemsOf(text).join("\n");
    expect(problems).toContain("secrets.DB_PASSWORD");
    expect(problems).not.toContain("hunter2");
    expect(problems).toContain("a string of 14 characters");
  });
  test("a bidi override in a spec value is shown escaped", async () => {
    const file = path.join(dir, "spec.yaml");
    fs.writeFileSync(file, edit(BASE, "tier: staging", 'tier: "stag\u202eing"'));
    const r = await run(["validate", file]);
    expect(r.code).toBe(1);
    expect(r.text).not.toMatch(RAW);
    expect(r.text).toContain("\\u202e");
  });
});

describe("files and comments go through it too", () => {
  test("a written report holds no raw escape", () => {
    const file = path.join(dir, "drift.md");
    writeOutput(file, "# \u001b[2Jcleared\n");
    expect(fs.readFileSync(file, "utf8")).toBe("# \\x1b[2Jcleared\n");
  });
});

describe("engine errors in the platform's voice", () => {
  test("the hint to set PULUMI_K8S_DELETE_UNREACHABLE is never passed on", () => {
    const text = errorText(
      new Error(
        "error: configured Kubernetes cluster is unreachable: unable to load schema information from the API server: the server has asked for the client to provide credentials. If the cluster has been deleted, you can edit the pulumi state to remove this resource or retry with the PULUMI_K8S_DELETE_UNREACHABLE environment variable set to true.",
      ),
    );
    expect(text).not.toContain("PULUMI_K8S_DELETE_UNREACHABLE");
    expect(text).toContain("never drops unreachable resources from the state");
  });
  test("drift with a missing kubeconfig says which cluster and file, not a stack trace", async () => {
    const home = path.join(dir, "home");
    const r = await run(["drift", "local", "--out", path.join(dir, "out")], {
      processEnv: { PLATFORM_HOME: home, PATH: process.env.PATH },
    });
    expect(r.text).toMatch(
      /cluster "local" has no kubeconfig at .*kubeconfig; nothing was checked: start it with `platform cluster up`/,
    );
    expect(r.text).not.toMatch(/\n\s+at .+:\d+:\d+/);
  }, 60_000);
});
