import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

/** The PKI of the local control plane, created once and kept so kubeconfigs stay stable. */
export interface ClusterPki {
  caCert: string;
  caKey: string;
  serverCert: string;
  serverKey: string;
  adminCert: string;
  adminKey: string;
  saKey: string;
  saPub: string;
}

export function pkiPaths(dir: string): ClusterPki {
  const p = (f: string) => path.join(dir, "pki", f);
  return {
    caCert: p("ca.crt"),
    caKey: p("ca.key"),
    serverCert: p("apiserver.crt"),
    serverKey: p("apiserver.key"),
    adminCert: p("admin.crt"),
    adminKey: p("admin.key"),
    saKey: p("sa.key"),
    saPub: p("sa.pub"),
  };
}

function openssl(args: string[], cwd: string): void {
  try {
    execFileSync("openssl", args, { cwd, stdio: ["ignore", "ignore", "pipe"] });
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString() ?? String(err);
    throw new Error(`openssl ${args[0]} failed (is openssl installed?): ${stderr.trim()}`, { cause: err });
  }
}

function ecKey(file: string, cwd: string): void {
  openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", file], cwd);
  fs.chmodSync(file, 0o600);
}

function signedCert(
  pki: ClusterPki,
  key: string,
  cert: string,
  subject: string,
  ext: string,
  cwd: string,
): void {
  const csr = `${cert}.csr`;
  const extFile = `${cert}.ext`;
  fs.writeFileSync(extFile, ext);
  openssl(["req", "-new", "-key", key, "-subj", subject, "-out", csr], cwd);
  openssl(
    [
      "x509",
      "-req",
      "-in",
      csr,
      "-CA",
      pki.caCert,
      "-CAkey",
      pki.caKey,
      "-CAcreateserial",
      "-days",
      "3650",
      "-out",
      cert,
      "-extfile",
      extFile,
    ],
    cwd,
  );
  fs.rmSync(csr);
  fs.rmSync(extFile);
}

/** Creates the CA, serving cert, admin client cert (group system:masters) and SA keys if absent. */
export function ensurePki(dir: string): ClusterPki {
  const pki = pkiPaths(dir);
  const pkiDir = path.dirname(pki.caCert);
  if (Object.values(pki).every((f) => fs.existsSync(f))) return pki;
  fs.rmSync(pkiDir, { recursive: true, force: true });
  fs.mkdirSync(pkiDir, { recursive: true, mode: 0o700 });
  ecKey(pki.caKey, pkiDir);
  openssl(
    [
      "req",
      "-x509",
      "-new",
      "-key",
      pki.caKey,
      "-subj",
      "/CN=platform-local-ca",
      "-days",
      "3650",
      "-out",
      pki.caCert,
      "-addext",
      "basicConstraints=critical,CA:TRUE",
      "-addext",
      "keyUsage=critical,keyCertSign,cRLSign,digitalSignature",
    ],
    pkiDir,
  );
  ecKey(pki.serverKey, pkiDir);
  signedCert(
    pki,
    pki.serverKey,
    pki.serverCert,
    "/CN=kube-apiserver",
    "subjectAltName=IP:127.0.0.1,IP:10.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n",
    pkiDir,
  );
  ecKey(pki.adminKey, pkiDir);
  signedCert(
    pki,
    pki.adminKey,
    pki.adminCert,
    "/O=system:masters/CN=platform-admin",
    "extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n",
    pkiDir,
  );
  ecKey(pki.saKey, pkiDir);
  openssl(["pkey", "-in", pki.saKey, "-pubout", "-out", pki.saPub], pkiDir);
  return pki;
}

/** A self-contained kubeconfig (certificates inlined) for the admin user. */
export function adminKubeconfig(pki: ClusterPki, server: string): string {
  const b64 = (f: string) => fs.readFileSync(f).toString("base64");
  return [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    "- name: platform-local",
    "  cluster:",
    `    server: ${server}`,
    `    certificate-authority-data: ${b64(pki.caCert)}`,
    "users:",
    "- name: platform-admin",
    "  user:",
    `    client-certificate-data: ${b64(pki.adminCert)}`,
    `    client-key-data: ${b64(pki.adminKey)}`,
    "contexts:",
    "- name: platform-local",
    "  context: { cluster: platform-local, user: platform-admin }",
    "current-context: platform-local",
    "",
  ].join("\n");
}
