import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { loadSpecFile } from "../../../model/load";
import { doctor, renderDoctor } from "../../../ops/toolchain/doctor";
import { pluginBinary, pluginInstalls, pluginPins, pluginStatus } from "../../../ops/toolchain/plugins";
import { REPO_ROOT } from "../helpers/root";

const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")) as {
  dependencies: Record<string, string>;
};
const spec = (env: string) => loadSpecFile(path.join(REPO_ROOT, "stacks", env, "platform.yaml"));

describe("provider plugins", () => {
  test("each plugin's version is its npm SDK's", () => {
    for (const p of pluginPins(REPO_ROOT)) expect(p.version).toBe(pkg.dependencies[`@pulumi/${p.name}`]);
  });

  test("install commands per environment: none for local, the clouds and vault for the others", () => {
    expect(pluginInstalls(REPO_ROOT, spec("local"))).toEqual([]);
    expect(pluginInstalls(REPO_ROOT, spec("staging")).map((i) => i.argv.join(" "))).toEqual([
      `plugin install resource aws ${pkg.dependencies["@pulumi/aws"]}`,
      `plugin install resource vault ${pkg.dependencies["@pulumi/vault"]}`,
    ]);
  });

  test("status follows the engine's plugin cache under PLATFORM_HOME", () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), "platform-plugins-"));
    try {
      const env = { PLATFORM_HOME: home };
      const before = pluginStatus(REPO_ROOT, env, path.join(home, "no-bin")).find((p) => p.name === "aws")!;
      expect(before.ok).toBe(false);
      expect(before.note).toContain(
        `PULUMI_HOME=${path.join(home, "pulumi-home")} pulumi plugin install resource aws ${before.version}`,
      );
      const file = pluginBinary(path.join(home, "pulumi-home"), "aws", before.version);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, "");
      const after = pluginStatus(REPO_ROOT, env, path.join(home, "no-bin")).find((p) => p.name === "aws")!;
      expect(after).toMatchObject({ ok: true, path: file });
      // doctor lists it, and a missing cloud plugin is "absent", not a missing tool
      const rows = doctor(
        { ...process.env, PLATFORM_HOME: home, PLATFORM_TOOLCHAIN_CACHE: path.join(home, "tc") },
        REPO_ROOT,
      );
      const text = renderDoctor(rows);
      expect(text).toMatch(new RegExp(`^ok\\s+plugin aws\\s+${before.version.replace(/\./g, "\\.")}`, "m"));
      expect(text).toMatch(/^absent\s+plugin gcp\s+.*needed by production;/m);
      expect(text).not.toMatch(/^missing: .*plugin/m);
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
    }
  });
});
