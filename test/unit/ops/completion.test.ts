import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { main } from "../../../ops/cli";
import { TABLES, UP } from "../../../ops/commands/tables";

async function script(shell: string): Promise<string> {
  let out = "";
  const code = await main(["completion", shell], { stdout: (s) => (out += s), stderr: () => undefined });
  expect(code).toBe(0);
  return out;
}

let repo: string;
let bashFile: string;
beforeAll(async () => {
  repo = fs.mkdtempSync(path.join(os.tmpdir(), "completion-"));
  fs.writeFileSync(path.join(repo, "Pulumi.yaml"), "name: platform\n");
  for (const env of ["qa", "demo"]) {
    fs.mkdirSync(path.join(repo, "stacks", env), { recursive: true });
    fs.writeFileSync(path.join(repo, "stacks", env, "platform.yaml"), "environment: x\n");
  }
  fs.mkdirSync(path.join(repo, "stacks", "no-spec"));
  fs.mkdirSync(path.join(repo, "sub"));
  fs.writeFileSync(path.join(repo, "sub", "report.json"), "{}");
  bashFile = path.join(repo, "platform.bash");
  fs.writeFileSync(bashFile, await script("bash"));
});
afterAll(() => fs.rmSync(repo, { recursive: true, force: true }));

/** What bash completes for the words typed so far (the last one being completed), run in `cwd`. */
function complete(words: string[], cwd = repo): string[] {
  const quoted = words.map((w) => `'${w}'`).join(" ");
  const res = spawnSync(
    "bash",
    [
      "-c",
      `source '${bashFile}'; COMP_WORDS=(${quoted}); COMP_CWORD=${words.length - 1}; _platform; printf '%s\\n' "\${COMPREPLY[@]}"`,
    ],
    { cwd, encoding: "utf8" },
  );
  expect(res.stderr).toBe("");
  expect(res.status).toBe(0);
  return res.stdout.split("\n").filter(Boolean).sort();
}

describe("platform completion bash", () => {
  test("the script is valid bash and registers the completion", async () => {
    const res = spawnSync("bash", ["-n", bashFile], { encoding: "utf8" });
    expect(res.status).toBe(0);
    expect(await script("bash")).toContain("complete -F _platform platform");
  });

  test("completes every verb", () => {
    expect(complete(["platform", ""])).toEqual(
      [...Object.keys(TABLES), "help", "--help", "--version"].sort(),
    );
  });

  test("completes the flags of up from its table", () => {
    const flags = Object.keys(UP.flags).map((f) => `--${f}`);
    expect(complete(["platform", "up", "local", "--"])).toEqual([...flags, "--help"].sort());
    expect(complete(["platform", "up", "--pa"])).toEqual(["--parallel"]);
  });

  test("subcommands, then their own flags", () => {
    expect(complete(["platform", "cluster", ""])).toEqual(["--help", "down", "status", "up"]);
    expect(complete(["platform", "cluster", "down", "--"])).toEqual(["--help", "--name", "--purge"]);
  });

  test("environments with a spec under stacks/ of the repository, from a subfolder too", () => {
    expect(complete(["platform", "drift", ""])).toEqual(["demo", "qa"]);
    expect(complete(["platform", "preview", "q"], path.join(repo, "sub"))).toEqual(["qa"]);
    expect(complete(["platform", "promote", "app", "--from", ""])).toEqual(["demo", "qa"]);
  });

  test("files for a FILE value, nothing for a number", () => {
    expect(complete(["platform", "preview", "qa", "--json", "sub/"])).toEqual(["sub/report.json"]);
    expect(complete(["platform", "up", "qa", "--parallel", ""])).toEqual([]);
    expect(complete(["platform", "completion", ""])).toEqual(["bash", "zsh"]);
  });
});

describe("platform completion zsh", () => {
  test("names every verb and the flags of up with their descriptions", async () => {
    const zsh = await script("zsh");
    expect(zsh.startsWith("#compdef platform\n")).toBe(true);
    for (const verb of Object.keys(TABLES)) expect(zsh).toContain(`'${verb}:`);
    expect(zsh).toContain("'--parallel=[at most N resource operations at once (1: one after another)]:N: '");
    expect(zsh).toContain("'(-y --yes)'{-y,--yes}'[deploy without the preview and the question]'");
    expect(zsh).toContain("compdef _platform platform");
  });
});
