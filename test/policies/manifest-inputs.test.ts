/**
 * `policy check --manifests` never passes on nothing: an empty folder, a folder of non-YAML files
 * or of links that lead nowhere is exit 1 with a message; symlinked folders are followed.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { policy } from "../../ops/commands/policy";
import { MANIFEST_MAX_BYTES, loadManifests } from "../../ops/policy/manifests";
import { captureIO } from "../unit/helpers/io";

const ROOT = path.resolve(__dirname, "../..");
let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "policy-inputs-"));
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

const io = () => captureIO(ROOT);
const POD = `apiVersion: v1
kind: Pod
metadata: { name: root-pod, namespace: shop }
spec:
  containers:
    - { name: app, image: registry.acme.io/app:1.0, securityContext: { privileged: true } }
`;
const dir = (...parts: string[]) => {
  const d = path.join(tmp, ...parts);
  fs.mkdirSync(d, { recursive: true });
  return d;
};

describe("policy check --manifests with nothing to check", () => {
  test.each([
    ["an empty folder", () => dir("empty")],
    [
      "only non-YAML files",
      () => {
        const d = dir("txt");
        fs.writeFileSync(path.join(d, "README.txt"), POD);
        fs.writeFileSync(path.join(d, "pod.yaml.bak"), POD);
        return d;
      },
    ],
    [
      "YAML files with only comments",
      () => {
        const d = dir("comments");
        fs.writeFileSync(path.join(d, "a.yaml"), "# nothing rendered\n");
        return d;
      },
    ],
  ])("%s exits 1 saying nothing was checked", async (_, make) => {
    const target = make();
    const t = io();
    expect(await policy(["check", "--manifests", target], t)).toBe(1);
    expect(t.err.join("")).toMatch(/no Kubernetes objects found in .*; nothing was checked/);
  });

  test("a folder of symlinked folders is followed (and a folder linked twice is read once)", async () => {
    const real = dir("real");
    fs.writeFileSync(path.join(real, "pod.yaml"), POD);
    const links = dir("links");
    fs.symlinkSync(real, path.join(links, "a"));
    fs.symlinkSync(real, path.join(links, "b"));
    expect(loadManifests(links).map((r) => r.name)).toEqual(["root-pod"]);
    const t = io();
    expect(await policy(["check", "--manifests", links], t)).toBe(1);
    expect(t.out.join("")).toMatch(/mandatory\s+k8s-no-privileged\s+Pod shop\/root-pod/);
    expect(t.out.join("")).toMatch(/over 1 resource\(s\)/);
  });

  test("a dangling or looping symlink is reported by name", async () => {
    const d = dir("dangling");
    fs.symlinkSync(path.join(tmp, "nowhere"), path.join(d, "gone"));
    const t = io();
    expect(await policy(["check", "--manifests", d], t)).toBe(2);
    expect(t.err.join("")).toMatch(/dangling\/gone is a symlink that cannot be followed: it does not exist/);
    fs.rmSync(path.join(d, "gone"));
    fs.symlinkSync(path.join(d, "loop"), path.join(d, "loop"));
    expect(() => loadManifests(d)).toThrow(/loop is a symlink that cannot be followed: it is a symlink loop/);
  });

  test("a manifest file over the size cap is refused before it is read", () => {
    const big = path.join(tmp, "big.yaml");
    fs.writeFileSync(big, "");
    fs.truncateSync(big, MANIFEST_MAX_BYTES + 1);
    expect(() => loadManifests(big)).toThrow(
      /larger than 16777216 bytes; a manifest file this size is a mistake/,
    );
  });
});
