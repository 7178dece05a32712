/**
 * The provider plugins each real environment needs, as the workflows install them and `platform
 * toolchain doctor` lists them (ops/toolchain/plugins.ts `pluginsFor`), are exactly the packages of
 * the resources its program creates under mocks: a spec that starts using a new provider fails here.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { loadEnvironment } from "../../../model/environment";
import { loadSpecFile } from "../../../model/load";
import { pluginsFor } from "../../../ops/toolchain/plugins";
import { AWS_INVOKES, setupCloudMocks } from "../cloud/mocks";

const mocks = setupCloudMocks({ invokes: AWS_INVOKES, stack: "unit" });
let run: typeof import("../../../program/run");

const root = path.resolve(__dirname, "../../..");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "platform-plugins-"));
const kubeconfig = path.join(tmp, "kubeconfig");
fs.writeFileSync(kubeconfig, "apiVersion: v1\n");

beforeAll(async () => {
  run = await import("../../../program/run");
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** The package of every custom resource and provider the program registers. */
function packagesOf(types: string[]): string[] {
  const names = types.map((t) => (t.startsWith("pulumi:providers:") ? t.split(":")[2] : t.split(":")[0]));
  return [...new Set(names)].sort();
}

test.each(["local", "staging", "production"])(
  "%s: pluginsFor(spec) is the set of packages its program uses",
  async (env) => {
    mocks.reset();
    pulumi.runtime.setAllConfig({ "platform:kubeconfig": kubeconfig }, []);
    await run.runPlatform(loadEnvironment(env, { root }));
    await mocks.settle();
    const used = packagesOf(mocks.resources.filter((r) => r.custom).map((r) => r.type));
    const spec = loadSpecFile(path.join(root, "stacks", env, "platform.yaml"));
    expect([...pluginsFor(spec)].sort()).toEqual(used);
  },
);
