import { eksKubeconfig } from "../../../components/aws/eks";
import { gkeKubeconfig } from "../../../components/gcp/gke";

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
        provideClusterInfo: true,
        installHint: "Install gke-gcloud-auth-plugin: gcloud components install gke-gcloud-auth-plugin",
      }),
    );
  });
});
