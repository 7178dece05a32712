import { eksKubeconfig } from "../../../components/aws/eks";
import { gkeKubeconfig } from "../../../components/gcp/gke";
import * as fs from "fs";
import type * as https from "https";
import * as os from "os";
import * as path from "path";
import { readKubeconfig } from "../../../ops/engine/kubeconfig";

const EXEC_API = "client.authentication.k8s.io/v1beta1";

/** The parts every cloud kubeconfig shares: one cluster, one context, one user of the same name. */
const frame = (name: string, server: string, exec: Record<string, unknown>) => ({
  apiVersion: "v1",
  kind: "Config",
  clusters: [{ name, cluster: { server, "certificate-authority-data": "Q0E=" } }],
  contexts: [{ name, context: { cluster: name, user: name } }],
  "current-context": name,
  users: [{ name, user: { exec: { apiVersion: EXEC_API, ...exec } } }],
});

describe("cloud kubeconfigs (no credential inside, an exec plugin instead)", () => {
  it("EKS: aws eks get-token for the cluster and region, the endpoint as it is", () => {
    expect(JSON.parse(eksKubeconfig("prod-eks", "https://x.eks", "Q0E=", "eu-west-1"))).toEqual(
      frame("prod-eks", "https://x.eks", {
        command: "aws",
        args: ["eks", "get-token", "--cluster-name", "prod-eks", "--region", "eu-west-1", "--output", "json"],
      }),
    );
  });

  it("GKE: gke-gcloud-auth-plugin with the cluster info, the endpoint IP over https", () => {
    expect(JSON.parse(gkeKubeconfig("prod-gke", "10.0.0.2", "Q0E="))).toEqual(
      frame("prod-gke", "https://10.0.0.2", {
        command: "gke-gcloud-auth-plugin",
        args: ["--use_application_default_credentials"],
        provideClusterInfo: true,
        installHint: "Install gke-gcloud-auth-plugin: gcloud components install gke-gcloud-auth-plugin",
      }),
    );
  });
});

describe("the generated kubeconfigs through the platform's one reader, with stand-in plugins on PATH", () => {
  const bin = fs.mkdtempSync(path.join(os.tmpdir(), "cloud-plugins-"));
  afterAll(() => fs.rmSync(bin, { recursive: true, force: true }));
  /** A stand-in `name` that answers with its argv and KUBERNETES_EXEC_INFO as the token. */
  const standIn = (name: string) =>
    fs.writeFileSync(
      path.join(bin, name),
      `#!/bin/sh\nprintf '{"apiVersion":"${EXEC_API}","kind":"ExecCredential","status":{"token":"%s"}}' "$(printf '%s|%s' "$*" "$KUBERNETES_EXEC_INFO" | base64 | tr -d '\\n')"\n`,
      { mode: 0o755 },
    );
  const run = async (text: string, PATH = `${bin}:/usr/bin:/bin`) => {
    const file = path.join(bin, "kubeconfig");
    fs.writeFileSync(file, text);
    const k = readKubeconfig(file, { processEnv: { PATH } });
    const opts: https.RequestOptions = {};
    await k.config.applyToHTTPSOptions(opts);
    const token = (opts.headers as Record<string, string>).Authorization.replace("Bearer ", "");
    const [argv, info] = Buffer.from(token, "base64").toString().split("|");
    return { k, argv, info: JSON.parse(info) };
  };

  it("EKS: runs `aws eks get-token` for the cluster and region", async () => {
    standIn("aws");
    const { k, argv } = await run(eksKubeconfig("prod-eks", "https://x.eks", "Q0E=", "eu-west-1"));
    expect(k).toMatchObject({ credential: "exec", server: "https://x.eks", user: "prod-eks" });
    expect(argv).toBe("eks get-token --cluster-name prod-eks --region eu-west-1 --output json");
  });

  it("GKE: runs gke-gcloud-auth-plugin on application default credentials, given the cluster", async () => {
    standIn("gke-gcloud-auth-plugin");
    const { argv, info } = await run(gkeKubeconfig("prod-gke", "10.0.0.2", "Q0E="));
    expect(argv).toBe("--use_application_default_credentials");
    expect(info.spec.cluster).toEqual({ server: "https://10.0.0.2", "certificate-authority-data": "Q0E=" });
  });

  it("a workstation without the plugin: the install hint is in the error", async () => {
    fs.rmSync(path.join(bin, "gke-gcloud-auth-plugin"), { force: true });
    await expect(run(gkeKubeconfig("prod-gke", "10.0.0.2", "Q0E="), bin)).rejects.toThrow(
      /is not installed \(gke-gcloud-auth-plugin not found on PATH\): Install gke-gcloud-auth-plugin/,
    );
  });
});
