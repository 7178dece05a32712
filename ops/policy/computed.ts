/**
 * Placeholder values for the attributes a cloud provider computes on create (ARNs, endpoints, the
 * EKS OIDC issuer, CA data, e-mails) and that the components read from their children. Used
 * wherever the program runs under mocks: the offline policy check and the unit tests. None of them
 * is real; they only have the right shape.
 */
export const ACCOUNT = "123456789012";
export const OIDC_ISSUER = "https://oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE0123";
export const EKS_CA = "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tRUtT";
export const GKE_CA = "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tR0tF";

/** Attributes the provider would compute, for the types whose outputs the components read. */
export function computedAttributes(
  type: string,
  name: string,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  inputs: Record<string, any>,
): Record<string, unknown> {
  const physical = inputs.name ?? `${name}-abc123`;
  switch (type) {
    case "aws:eks/cluster:Cluster":
      return {
        name: physical,
        endpoint: "https://EXAMPLE.gr7.eu-west-1.eks.amazonaws.com",
        certificateAuthority: { data: EKS_CA },
        identities: [{ oidcs: [{ issuer: OIDC_ISSUER }] }],
        vpcConfig: { ...inputs.vpcConfig, clusterSecurityGroupId: "sg-cluster" },
      };
    case "aws:ec2/launchTemplate:LaunchTemplate":
      return { latestVersion: 1 };
    case "aws:rds/instance:Instance":
      return {
        endpoint: `${name}.abc.eu-west-1.rds.amazonaws.com:5432`,
        address: `${name}.abc.eu-west-1.rds.amazonaws.com`,
        port: 5432,
        masterUserSecrets: [{ secretArn: `arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:rds!${name}` }],
      };
    case "aws:s3/bucket:Bucket":
      return {
        bucket: inputs.bucket ?? `${name}-abc123`,
        arn: `arn:aws:s3:::${inputs.bucket ?? `${name}-abc123`}`,
      };
    case "gcp:container/cluster:Cluster":
      return {
        name: physical,
        endpoint: "10.0.0.2",
        masterAuth: { ...inputs.masterAuth, clusterCaCertificate: GKE_CA },
      };
    case "gcp:serviceaccount/account:Account":
      return {
        email: `${inputs.accountId}@proj.iam.gserviceaccount.com`,
        name: `projects/proj/serviceAccounts/${inputs.accountId}@proj.iam.gserviceaccount.com`,
      };
    case "gcp:sql/databaseInstance:DatabaseInstance":
      return {
        name: physical,
        connectionName: `proj:${inputs.region}:${physical}`,
        privateIpAddress: "10.100.0.3",
      };
    case "gcp:compute/network:Network":
      return { selfLink: `https://www.googleapis.com/compute/v1/projects/proj/global/networks/${physical}` };
    case "gcp:compute/subnetwork:Subnetwork":
      return {
        selfLink: `https://www.googleapis.com/compute/v1/projects/proj/regions/r/subnetworks/${physical}`,
      };
    case "gcp:storage/bucket:Bucket":
      return { name: physical, url: `gs://${physical}` };
    default:
      break;
  }
  if (type.startsWith("aws:")) {
    const service = type.split(":")[1].split("/")[0];
    return { arn: `arn:aws:${service}:eu-west-1:${ACCOUNT}:${name}`, name: physical };
  }
  if (type.startsWith("gcp:") || type.startsWith("vault:")) return { name: physical };
  return {};
}
