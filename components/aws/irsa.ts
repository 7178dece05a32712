import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { failer } from "../shared/tier";

/** Pulumi type token of {@link IrsaRole}. */
export const IRSA_ROLE_TYPE = "platform:aws:IrsaRole";

/** Arguments of {@link IrsaRole}. */
export interface IrsaRoleArgs {
  /** ARN of the cluster's IAM OIDC provider (an EksCluster's `oidcProviderArn`). */
  oidcProviderArn: pulumi.Input<string>;
  /** Issuer without `https://` (an EksCluster's `oidcIssuer`). */
  oidcIssuer: pulumi.Input<string>;
  /** Namespace of the service account; a concrete name, never a wildcard. */
  namespace: string;
  /** Name of the Kubernetes service account; a concrete name, never a wildcard. */
  serviceAccountName: string;
  /** Inline IAM policy document (JSON) granted to the role. @default none; one of `policy` and `policyArns` is required */
  policy?: pulumi.Input<string>;
  /** Managed policies attached to the role. @default none; one of `policy` and `policyArns` is required */
  policyArns?: pulumi.Input<string>[];
  /** Extra tags. @default none */
  tags?: Record<string, string>;
}

/**
 * The trust policy of an IRSA role: only tokens whose `sub` is exactly
 * `system:serviceaccount:<namespace>:<serviceAccount>` and whose `aud` is `sts.amazonaws.com`,
 * issued by the cluster's OIDC provider, may assume it.
 */
export function irsaTrustPolicy(
  providerArn: string,
  issuer: string,
  namespace: string,
  serviceAccount: string,
): object {
  const host = issuer.replace(/^https:\/\//, "");
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Federated: providerArn },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: {
          StringEquals: {
            [`${host}:sub`]: `system:serviceaccount:${namespace}:${serviceAccount}`,
            [`${host}:aud`]: "sts.amazonaws.com",
          },
        },
      },
    ],
  };
}

/** True when a policy document grants `Allow` of every action on every resource (aws-iam-no-star-star). */
export function allowsStarOnStar(policy: string): boolean {
  const doc = JSON.parse(policy) as { Statement?: unknown };
  const statements = Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
  const list = (v: unknown) => (Array.isArray(v) ? v : [v]);
  return statements.some((raw) => {
    const s = raw as { Effect?: string; Action?: unknown; Resource?: unknown };
    return s?.Effect === "Allow" && list(s.Action).includes("*") && list(s.Resource).includes("*");
  });
}

/** An IAM role one Kubernetes service account assumes through IRSA, with its permissions. */
export class IrsaRole extends pulumi.ComponentResource {
  public readonly roleArn: pulumi.Output<string>;
  public readonly roleName: pulumi.Output<string>;
  /** Annotation to put on the service account: `{ "eks.amazonaws.com/role-arn": <arn> }`. */
  public readonly serviceAccountAnnotations: pulumi.Output<Record<string, string>>;

  constructor(name: string, args: IrsaRoleArgs, opts?: pulumi.ComponentResourceOptions) {
    super(IRSA_ROLE_TYPE, name, {}, opts);
    validateIrsa(this, name, args);
    const o = { parent: this };
    const tags = { "managed-by": "pulumi", "platform:component": name, ...args.tags };

    const role = new aws.iam.Role(
      `${name}-role`,
      {
        description: `IRSA role of ${args.namespace}/${args.serviceAccountName}`,
        assumeRolePolicy: pulumi
          .all([args.oidcProviderArn, args.oidcIssuer])
          .apply(([arn, issuer]) =>
            JSON.stringify(irsaTrustPolicy(arn, issuer, args.namespace, args.serviceAccountName)),
          ),
        maxSessionDuration: 3600,
        tags,
      },
      o,
    );
    if (args.policy !== undefined) {
      new aws.iam.RolePolicy(`${name}-policy`, { role: role.id, policy: args.policy }, o);
    }
    (args.policyArns ?? []).forEach((policyArn, i) => {
      new aws.iam.RolePolicyAttachment(`${name}-attach-${i}`, { role: role.name, policyArn }, o);
    });
    this.roleArn = role.arn;
    this.roleName = role.name;
    this.serviceAccountAnnotations = role.arn.apply((arn): Record<string, string> => ({
      "eks.amazonaws.com/role-arn": arn,
    }));
    this.registerOutputs({ roleArn: this.roleArn, roleName: this.roleName });
  }
}

const K8S_NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

function validateIrsa(resource: pulumi.Resource, name: string, args: IrsaRoleArgs): void {
  const fail = failer(resource, `irsa role "${name}"`);
  for (const [field, value] of [
    ["namespace", args.namespace],
    ["serviceAccountName", args.serviceAccountName],
  ] as const) {
    if (value.includes("*") || value.includes("?")) {
      throw fail(
        `${field} is "${value}"; wildcards would let other service accounts assume the role: name one exactly`,
      );
    }
    if (!K8S_NAME.test(value) || value.length > 253) {
      throw fail(`${field} "${value}" is not a Kubernetes name (lower-case letters, digits, "-" and ".")`);
    }
  }
  if (args.policy === undefined && (args.policyArns ?? []).length === 0) {
    throw fail(`neither policy nor policyArns is set, so the role could do nothing; grant one of them`);
  }
  if (typeof args.policy === "string") {
    let starOnStar: boolean;
    try {
      starOnStar = allowsStarOnStar(args.policy);
    } catch {
      throw fail(`policy is not a JSON IAM policy document`);
    }
    if (starOnStar) {
      throw fail(`policy allows "*" on "*"; list the actions and resources the workload needs`);
    }
  }
}
