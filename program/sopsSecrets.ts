/**
 * The SOPS part of an environment: per app reading SOPS-encrypted files of the repository, on each
 * of its clusters, an AppSopsSecret `<app>-sops` in the tenant's namespace holding the values the
 * caller decrypted before the program ran (`ctx.sopsValue`), each a Pulumi secret.
 */
import * as pulumi from "@pulumi/pulumi";
import type * as k8s from "@pulumi/kubernetes";
import { AppSopsSecret, platformLabels } from "../components/kubernetes";
import { splitSecretRefs } from "../model/sops";
import type { AppSpec, PlatformSpec } from "../model/types";
import type { PlatformContext } from "./cloud";
import type { TenantRef } from "./tenantRefs";

/** Per app and cluster, the AppSopsSecret the app's pods wait for. */
export type SopsSecrets = Record<string, Record<string, pulumi.Resource[]>>;

export function createSopsSecrets(
  spec: PlatformSpec,
  ctx: PlatformContext,
  providers: Record<string, k8s.Provider>,
  tenants: Record<string, Record<string, TenantRef>>,
  /** The apps whose secrets this stack creates (a units environment's base: none). @default the spec's */
  apps: Record<string, AppSpec> = spec.apps ?? {},
): SopsSecrets {
  const out: SopsSecrets = {};
  for (const [appName, app] of Object.entries(apps)) {
    const refs = splitSecretRefs(app.secrets).sops;
    if (Object.keys(refs).length === 0) continue;
    if (!ctx.sopsValue) {
      const [envName, ref] = Object.entries(refs)[0];
      throw new Error(
        `${spec.environment}: app "${appName}" reads ${envName} from SOPS file ${ref.file} (key ${ref.key}), but this run decrypted no SOPS files; run it through the platform command (platform up|preview|drift), which decrypts them with SOPS_AGE_KEY_FILE`,
      );
    }
    const values = Object.fromEntries(
      Object.entries(refs).map(([envName, ref]) => [
        envName,
        pulumi.secret(ctx.sopsValue!(ref.file, ref.key)),
      ]),
    );
    const tenant = spec.tenants[app.tenant];
    for (const cluster of app.clusters) {
      const secret = new AppSopsSecret(
        `${appName}-${cluster}-sops`,
        {
          appName,
          namespace: tenants[cluster][app.tenant].namespace,
          values,
          skipAwait: ctx.skipAwait,
          labels: platformLabels({
            environment: spec.environment,
            tenant: app.tenant,
            costCenter: tenant.costCenter,
            owner: tenant.owners[0],
            app: appName,
            component: "sops-secret",
          }),
        },
        { provider: providers[cluster], dependsOn: tenants[cluster][app.tenant].dependsOn },
      );
      out[appName] ??= {};
      out[appName][cluster] = [secret];
    }
  }
  return out;
}
