/**
 * The local cluster's keys, kubeconfig and datastore are the user's alone on every start, and the
 * datastore is never on a TCP port (kine has no authentication of its own).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { componentArgv } from "../../../ops/cluster/cluster";
import { pkiPaths } from "../../../ops/cluster/certs";
import { kineSocket, secureClusterDir } from "../../../ops/cluster/permissions";

const mode = (f: string) => fs.statSync(f).mode & 0o777;

describe("local cluster files", () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "platform-cluster-files-"));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test("a world-readable kubeconfig, keys and folders made earlier are made private", () => {
    fs.mkdirSync(path.join(dir, "pki"), { mode: 0o755 });
    fs.mkdirSync(path.join(dir, "logs"), { mode: 0o755 });
    fs.chmodSync(dir, 0o755);
    const files = ["kubeconfig", "state.db", "state.db-wal", "pki/admin.key", "pki/ca.key"];
    for (const f of files) fs.writeFileSync(path.join(dir, f), "x", { mode: 0o644 });
    fs.writeFileSync(path.join(dir, "pki", "ca.crt"), "x", { mode: 0o644 });
    fs.writeFileSync(path.join(dir, "logs", "kine.log"), "x", { mode: 0o644 });

    secureClusterDir(dir);

    for (const folder of [dir, path.join(dir, "pki"), path.join(dir, "logs")])
      expect(mode(folder)).toBe(0o700);
    for (const f of files) expect([f, mode(path.join(dir, f))]).toEqual([f, 0o600]);
    // Certificates are public by nature; the folder around them is not.
    expect(mode(path.join(dir, "pki", "ca.crt"))).toBe(0o644);
  });

  test("a symlink where a key should be is refused, naming it", () => {
    fs.mkdirSync(path.join(dir, "pki"));
    const target = path.join(os.tmpdir(), `platform-elsewhere-${process.pid}`);
    fs.writeFileSync(target, "x", { mode: 0o644 });
    try {
      fs.symlinkSync(target, path.join(dir, "pki", "admin.key"));
      expect(() => secureClusterDir(dir)).toThrow(/pki\/admin\.key is a symlink/);
      expect(mode(target)).toBe(0o644);
    } finally {
      fs.rmSync(target, { force: true });
    }
  });

  test("kine listens on a unix socket in the cluster folder and the API server uses it", () => {
    const env = { PLATFORM_TOOLCHAIN_CACHE: dir };
    const bin = path.join(dir, "bin");
    fs.mkdirSync(bin);
    for (const t of ["kine", "kube-apiserver"]) fs.writeFileSync(path.join(bin, t), "");
    const ports = { kine: 2379, apiserver: 6443, controllerManager: 1, scheduler: 2, kwok: 3 };
    const kine = componentArgv("kine", dir, pkiPaths(dir), ports, env);
    const apiserver = componentArgv("kube-apiserver", dir, pkiPaths(dir), ports, env);
    const socket = path.join(dir, "kine.sock");
    expect(kine).toContain(`--listen-address=unix://${socket}`);
    expect(apiserver).toContain(`--etcd-servers=unix://${socket}`);
    expect([...kine, ...apiserver].join(" ")).not.toMatch(/127\.0\.0\.1:2379|http:\/\//);
  });

  test("a cluster folder too deep for a unix socket is an error that says what to do", () => {
    expect(() => kineSocket(`/${"d".repeat(120)}`)).toThrow(
      /too deep for kine's unix socket.*set PLATFORM_HOME/,
    );
  });
});
