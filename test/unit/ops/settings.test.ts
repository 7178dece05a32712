import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { backendSettings, LOCAL_DEV_PASSPHRASE } from "../../../ops/engine/settings";
import { REPO_ROOT } from "../helpers/root";

function tempRoot(files: Record<string, string>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "platform-settings-"));
  fs.mkdirSync(path.join(root, "stacks"));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(root, "stacks", name), text);
  return root;
}

describe("backendSettings", () => {
  test("local uses a file backend under PLATFORM_HOME and the development passphrase", () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), "platform-home-"));
    const s = backendSettings(REPO_ROOT, "local", { PLATFORM_HOME: home });
    expect(s.backendUrl).toBe(`file://${path.join(home, "state")}`);
    expect(s.secretsProvider).toBe("passphrase");
    expect(s.env.PULUMI_CONFIG_PASSPHRASE).toBe(LOCAL_DEV_PASSPHRASE);
    expect(fs.existsSync(path.join(home, "state"))).toBe(true);
  });

  test.each(["staging", "production"])("%s declares an S3 backend and a KMS secrets provider", (env) => {
    const s = backendSettings(REPO_ROOT, env, {});
    expect(s.backendUrl).toMatch(/^s3:\/\//);
    expect(s.secretsProvider).toMatch(/^awskms:\/\//);
    expect(s.env).toEqual({});
  });

  test("a non-local stack without platform:backend is refused, naming the file and key", () => {
    const root = tempRoot({ "Pulumi.staging.yaml": "secretsprovider: awskms://alias/x\n" });
    expect(() => backendSettings(root, "staging", {})).toThrow(
      /stacks\/Pulumi\.staging\.yaml: config key "platform:backend" must name the staging state backend/,
    );
  });

  test("a non-local stack with a passphrase is refused", () => {
    const root = tempRoot({
      "Pulumi.production.yaml": "secretsprovider: passphrase\nconfig:\n  platform:backend: s3://b/p\n",
    });
    expect(() => backendSettings(root, "production", {})).toThrow(/Passphrases are for the local stack only/);
  });

  test("a file backend for staging is refused", () => {
    const root = tempRoot({
      "Pulumi.staging.yaml":
        "secretsprovider: awskms://alias/x\nconfig:\n  platform:backend: file:///tmp/x\n",
    });
    expect(() => backendSettings(root, "staging", {})).toThrow(/never falls back to a local backend/);
  });

  test("a missing stack file names the file", () => {
    expect(() => backendSettings(tempRoot({}), "qa", {})).toThrow("stacks/Pulumi.qa.yaml not found");
  });

  test("malformed YAML names the file", () => {
    const root = tempRoot({ "Pulumi.local.yaml": "secretsprovider: [passphrase\n" });
    expect(() => backendSettings(root, "local", { PLATFORM_HOME: root })).toThrow(
      /stacks\/Pulumi\.local\.yaml: not valid YAML/,
    );
  });

  test("local refuses another secrets provider", () => {
    const root = tempRoot({ "Pulumi.local.yaml": "secretsprovider: awskms://alias/x\n" });
    expect(() => backendSettings(root, "local", { PLATFORM_HOME: root })).toThrow(
      /must be "passphrase" \(or absent\) for the local stack/,
    );
  });
});
