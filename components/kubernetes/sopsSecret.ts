/**
 * The Secret `<app>-sops` in an app's namespace: the values an app reads from SOPS-encrypted files
 * of the repository, decrypted at deploy time (ops/secrets/sops.ts) and handed in as Pulumi
 * secrets, so the state keeps them encrypted and previews show them as `[secret]`.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { APP_SOPS_SECRET_COMPONENT, SOPS_SECRET_TYPE, sopsSecretName } from "../../model/sops";
import { awaitAnnotations, isDnsLabel } from "./labels";

export const APP_SOPS_SECRET_TYPE = APP_SOPS_SECRET_COMPONENT;

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Arguments of {@link AppSopsSecret}. */
export interface AppSopsSecretArgs {
  /** The app's physical name; the Secret is `<appName>-sops`. */
  appName: string;
  /** Namespace of the app (its tenant's). */
  namespace: pulumi.Input<string>;
  /** Env var name → decrypted value (a Pulumi secret). At least one. */
  values: Record<string, pulumi.Input<string>>;
  labels?: Record<string, string>;
  /** @default false */
  skipAwait?: boolean;
}

/** An app's Secret of SOPS-decrypted values, one key per env var. */
export class AppSopsSecret extends pulumi.ComponentResource {
  /** Name of the Secret (`<appName>-sops`). */
  public readonly secretName: string;

  constructor(name: string, args: AppSopsSecretArgs, opts?: pulumi.ComponentResourceOptions) {
    super(APP_SOPS_SECRET_TYPE, name, {}, opts);
    const fail = (m: string) => new pulumi.ResourceError(`SOPS secret of app "${args.appName}": ${m}`, this);
    if (!isDnsLabel(args.appName)) throw fail(`appName must be a DNS-1123 label`);
    const names = Object.keys(args.values).sort();
    if (names.length === 0)
      throw fail(`values is empty; create no SOPS secret for an app without SOPS values`);
    const bad = names.find((n) => !ENV_NAME.test(n));
    if (bad) throw fail(`values.${bad}: "${bad}" is not an environment variable name (letters, digits, "_")`);
    this.secretName = sopsSecretName(args.appName);
    const data = pulumi.secret(
      pulumi
        .all(names.map((n) => args.values[n]))
        .apply((vals) =>
          Object.fromEntries(names.map((n, i) => [n, Buffer.from(vals[i], "utf8").toString("base64")])),
        ),
    );
    new k8s.core.v1.Secret(
      `${name}-secret`,
      {
        metadata: {
          name: this.secretName,
          namespace: args.namespace,
          labels: {
            "app.kubernetes.io/name": args.appName,
            "app.kubernetes.io/managed-by": "pulumi",
            ...args.labels,
          },
          annotations: awaitAnnotations(args.skipAwait),
        },
        // reserved: the one Secret type k8s-no-plaintext-secret lets carry data from this component
        type: SOPS_SECRET_TYPE,
        data,
      },
      { parent: this },
    );
    this.registerOutputs({ secretName: this.secretName });
  }
}
