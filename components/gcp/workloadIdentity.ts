import * as pulumi from "@pulumi/pulumi";
import * as gcp from "@pulumi/gcp";
import { failer } from "../shared/tier";

/** Pulumi type token of {@link WorkloadIdentityBinding}. */
export const WORKLOAD_IDENTITY_TYPE = "platform:gcp:WorkloadIdentityBinding";

/** Basic roles never granted (gcp-iam-no-basic-roles). */
export const BASIC_ROLES = ["roles/owner", "roles/editor", "roles/viewer"];

/** Arguments of {@link WorkloadIdentityBinding}. */
export interface WorkloadIdentityBindingArgs {
  /** Project of the cluster (its workload pool is `<project>.svc.id.goog`). */
  project: string;
  /** Namespace of the Kubernetes service account; a concrete name, never a wildcard. */
  namespace: string;
  /** Name of the Kubernetes service account; a concrete name, never a wildcard. */
  serviceAccountName: string;
  /** Existing Google service account to bind. @default a new one named after the component */
  gcpServiceAccountEmail?: pulumi.Input<string>;
  /** Project roles granted to the Google service account (no basic roles). @default none */
  roles?: string[];
}

/** The workload identity member of a Kubernetes service account: `serviceAccount:<p>.svc.id.goog[<ns>/<sa>]`. */
export function workloadIdentityMember(project: string, namespace: string, serviceAccount: string): string {
  return `serviceAccount:${project}.svc.id.goog[${namespace}/${serviceAccount}]`;
}

/**
 * Lets one Kubernetes service account act as a Google service account (roles/iam.workloadIdentityUser
 * on that account, for that member only), optionally creating the account and granting it roles.
 */
export class WorkloadIdentityBinding extends pulumi.ComponentResource {
  public readonly gcpServiceAccountEmail: pulumi.Output<string>;
  /** Annotation to put on the Kubernetes service account. */
  public readonly serviceAccountAnnotations: pulumi.Output<Record<string, string>>;

  constructor(name: string, args: WorkloadIdentityBindingArgs, opts?: pulumi.ComponentResourceOptions) {
    super(WORKLOAD_IDENTITY_TYPE, name, {}, opts);
    const fail = failer(this, `workload identity binding "${name}"`);
    for (const [field, value] of [
      ["namespace", args.namespace],
      ["serviceAccountName", args.serviceAccountName],
    ] as const) {
      if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(value)) {
        throw fail(
          `${field} is "${value}"; name one Kubernetes object exactly (lower-case letters, digits, "-", no wildcards)`,
        );
      }
    }
    for (const role of args.roles ?? []) {
      if (BASIC_ROLES.includes(role)) {
        throw fail(
          `roles contains the basic role "${role}"; grant predefined roles such as "roles/secretmanager.secretAccessor"`,
        );
      }
    }
    const o = { parent: this };

    let email: pulumi.Input<string>;
    let accountId: pulumi.Input<string>;
    if (args.gcpServiceAccountEmail !== undefined) {
      email = args.gcpServiceAccountEmail;
      accountId = pulumi.interpolate`projects/${args.project}/serviceAccounts/${email}`;
    } else {
      const sa = new gcp.serviceaccount.Account(
        `${name}-sa`,
        {
          project: args.project,
          accountId: gcpAccountId(name),
          displayName: `Workload identity of ${args.namespace}/${args.serviceAccountName}`,
        },
        o,
      );
      email = sa.email;
      accountId = sa.name;
    }
    new gcp.serviceaccount.IAMMember(
      `${name}-wi-user`,
      {
        serviceAccountId: accountId,
        role: "roles/iam.workloadIdentityUser",
        member: workloadIdentityMember(args.project, args.namespace, args.serviceAccountName),
      },
      o,
    );
    (args.roles ?? []).forEach((role) => {
      new gcp.projects.IAMMember(
        `${name}-${role
          .replace(/^roles\//, "")
          .replace(/\./g, "-")
          .toLowerCase()}`,
        { project: args.project, role, member: pulumi.interpolate`serviceAccount:${email}` },
        o,
      );
    });
    this.gcpServiceAccountEmail = pulumi.output(email);
    this.serviceAccountAnnotations = this.gcpServiceAccountEmail.apply((e): Record<string, string> => ({
      "iam.gke.io/gcp-service-account": e,
    }));
    this.registerOutputs({ gcpServiceAccountEmail: this.gcpServiceAccountEmail });
  }
}

/** A service account id (6-30 chars, letter first) derived from a component name. */
export function gcpAccountId(name: string): string {
  const base = name
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, "-")
    .replace(/^[^a-z]+/, "")
    .slice(0, 27)
    .replace(/-+$/, "");
  return (base.length >= 6 ? base : `${base || "wi"}-wi-sa`).slice(0, 30);
}
