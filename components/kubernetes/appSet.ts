import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import type { AppOverrideSpec } from "../../model/types";
import { App, AppArgs } from "./app";

/** Pulumi type token of {@link AppSet}. */
export const APP_SET_TYPE = "platform:kubernetes:AppSet";

/** Arguments of {@link AppSet}. */
export interface AppSetArgs {
  /** The app as it runs on every cluster before overrides; `appName` defaults to the AppSet's name. */
  app: AppArgs;
  /** Clusters the app runs on; one App `${name}-${cluster}` each. */
  clusters: string[];
  /** Kubernetes provider of each cluster; every cluster of `clusters` needs one (extra ones are ignored). */
  providers: Record<string, k8s.Provider>;
  /** Per-cluster changes: `replicas`, `tag` (replaces tag and digest), `env` (merged over the base), `ingress`. @default none */
  overrides?: Record<string, AppOverrideSpec>;
  /** Namespace of the app on each cluster (e.g. that cluster's Tenant output). @default `app.namespace` everywhere */
  namespaces?: Record<string, pulumi.Input<string>>;
  /** Caller tenants of each cluster (only those with a namespace there). @default `app.allowFrom` everywhere */
  allowFrom?: Record<string, string[]>;
  /** Annotations of the app's ServiceAccount on each cluster (IRSA, workload identity). @default none */
  serviceAccountAnnotations?: Record<string, pulumi.Input<Record<string, string>>>;
  /** Resources each cluster's App waits for, e.g. the Tenants it lives in and is called from. @default none */
  dependsOn?: Record<string, pulumi.Resource[]>;
}

/** The App arguments of one cluster: the base with that cluster's override applied. */
export function appArgsForCluster(base: AppArgs, override: AppOverrideSpec | undefined): AppArgs {
  if (!override) return base;
  return {
    ...base,
    ...(override.replicas !== undefined ? { replicas: override.replicas } : {}),
    ...(override.tag !== undefined ? { tag: override.tag, digest: undefined } : {}),
    ...(override.env !== undefined ? { env: { ...base.env, ...override.env } } : {}),
    ...(override.ingress !== undefined ? { ingress: override.ingress } : {}),
  };
}

/**
 * One app fanned out over several clusters, the idea of an Argo CD ApplicationSet: an {@link App}
 * per cluster, each through that cluster's provider, with per-cluster overrides.
 */
export class AppSet extends pulumi.ComponentResource {
  /** The App of each cluster. */
  public readonly apps: Record<string, App>;
  /** In-cluster URL of the app on each cluster. */
  public readonly urls: pulumi.Output<Record<string, string>>;
  /** Service name of the app on each cluster. */
  public readonly serviceNames: pulumi.Output<Record<string, string>>;

  constructor(name: string, args: AppSetArgs, opts?: pulumi.ComponentResourceOptions) {
    super(APP_SET_TYPE, name, {}, opts);
    validateAppSet(this, name, args);

    const appName = args.app.appName ?? name;
    this.apps = {};
    for (const cluster of args.clusters) {
      const appArgs = appArgsForCluster(args.app, args.overrides?.[cluster]);
      const saAnnotations = args.serviceAccountAnnotations?.[cluster];
      this.apps[cluster] = new App(
        `${name}-${cluster}`,
        {
          ...appArgs,
          appName,
          namespace: args.namespaces?.[cluster] ?? appArgs.namespace,
          allowFrom: args.allowFrom?.[cluster] ?? appArgs.allowFrom,
          ...(saAnnotations !== undefined ? { serviceAccountAnnotations: saAnnotations } : {}),
        },
        { parent: this, provider: args.providers[cluster], dependsOn: args.dependsOn?.[cluster] },
      );
    }
    const perCluster = (pick: (app: App) => pulumi.Output<string>) =>
      pulumi.all(Object.fromEntries(Object.entries(this.apps).map(([c, app]) => [c, pick(app)])));
    this.urls = perCluster((app) => app.url);
    this.serviceNames = perCluster((app) => app.serviceName);
    this.registerOutputs({ urls: this.urls, serviceNames: this.serviceNames });
  }
}

/** Checks the cluster set, providers and overrides before any child exists. */
function validateAppSet(resource: pulumi.Resource, name: string, args: AppSetArgs): void {
  const fail = (message: string) => new pulumi.ResourceError(`app set "${name}": ${message}`, resource);
  if (args.clusters.length === 0) {
    throw fail(`no clusters are given; list at least one cluster the app runs on`);
  }
  const duplicates = args.clusters.filter((c, i) => args.clusters.indexOf(c) !== i);
  if (duplicates.length > 0) {
    throw fail(`cluster(s) ${duplicates.join(", ")} are listed twice; list each cluster once`);
  }
  const missing = args.clusters.filter((c) => !k8s.Provider.isInstance(args.providers[c]));
  if (missing.length > 0) {
    throw fail(
      `no Kubernetes provider for cluster(s) ${missing.join(", ")}; providers are given for [${Object.keys(args.providers).join(", ")}]`,
    );
  }
  const unknown = Object.keys(args.overrides ?? {}).filter((c) => !args.clusters.includes(c));
  if (unknown.length > 0) {
    throw fail(
      `overrides name cluster(s) ${unknown.join(", ")}, which the app does not run on; the app runs on [${args.clusters.join(", ")}]: add the cluster to its clusters or remove the override`,
    );
  }
}
