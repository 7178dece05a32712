import { X509Certificate } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { adminKubeconfig, ensurePki } from "../../../ops/cluster/certs";

describe("local cluster PKI", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "platform-pki-"));
  const pki = ensurePki(dir);
  const cert = (f: string) => new X509Certificate(fs.readFileSync(f));

  test("the serving cert is signed by the CA and valid for 127.0.0.1 and the in-cluster names", () => {
    const ca = cert(pki.caCert);
    const server = cert(pki.serverCert);
    expect(server.verify(ca.publicKey)).toBe(true);
    expect(server.checkIP("127.0.0.1")).toBe("127.0.0.1");
    expect(server.checkHost("kubernetes.default.svc")).toBe("kubernetes.default.svc");
    expect(ca.ca).toBe(true);
  });

  test("the admin client cert is in group system:masters", () => {
    const admin = cert(pki.adminCert);
    expect(admin.subject).toContain("O=system:masters");
    expect(admin.verify(cert(pki.caCert).publicKey)).toBe(true);
  });

  test("keys are private to the user", () => {
    expect(fs.statSync(pki.caKey).mode & 0o077).toBe(0);
    expect(fs.statSync(pki.adminKey).mode & 0o077).toBe(0);
  });

  test("a second call keeps the same CA (kubeconfigs stay valid)", () => {
    const before = fs.readFileSync(pki.caCert, "utf8");
    ensurePki(dir);
    expect(fs.readFileSync(pki.caCert, "utf8")).toBe(before);
  });

  test("a partial PKI is regenerated whole", () => {
    fs.rmSync(pki.saPub);
    const before = fs.readFileSync(pki.caCert, "utf8");
    const again = ensurePki(dir);
    expect(fs.existsSync(again.saPub)).toBe(true);
    expect(fs.readFileSync(again.caCert, "utf8")).not.toBe(before);
  });

  test("the kubeconfig is self-contained and points at the server", () => {
    const cfg = parse(adminKubeconfig(pki, "https://127.0.0.1:6443"));
    expect(cfg["current-context"]).toBe("platform-local");
    expect(cfg.clusters[0].cluster.server).toBe("https://127.0.0.1:6443");
    const caData = Buffer.from(cfg.clusters[0].cluster["certificate-authority-data"], "base64").toString();
    expect(caData).toBe(fs.readFileSync(pki.caCert, "utf8"));
    expect(cfg.users[0].user["client-key-data"]).toBeTruthy();
  });
});
