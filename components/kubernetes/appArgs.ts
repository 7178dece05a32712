import type * as pulumi from "@pulumi/pulumi";
import type {
  AutoscalingSpec,
  IngressSpec,
  ProbeSpec,
  ResourcesSpec,
  SecretRefSpec,
} from "../../model/types";

/** Arguments of {@link App}. */
export interface AppArgs {
  /** Physical name of the Deployment, Service, ServiceAccount (and Ingress, HPA, PDB). @default the component's name */
  appName?: string;
  /** Namespace the app runs in (its tenant's namespace). */
  namespace: pulumi.Input<string>;
  /** Environment name, used in labels. */
  environment: string;
  /** Tenant owning the app, used in labels. */
  tenant: string;
  /** Cost centre, used in labels. */
  costCenter: string;
  /** Owning group or user, used in labels. @default the tenant */
  owner?: string;
  /** Image repository without tag or digest. */
  image: string;
  /** Image tag; `latest` is rejected. Exactly one of `tag` and `digest` is required. */
  tag?: string;
  /** Image digest `sha256:…`. Exactly one of `tag` and `digest` is required. */
  digest?: string;
  /** Pod count; ignored when `autoscaling` is set (the HPA owns it). @default 2 replicas */
  replicas?: number;
  /** Container port. @default 8080 */
  port?: number;
  /** Plain environment variables, delivered through a ConfigMap. @default none */
  env?: Record<string, pulumi.Input<string>>;
  /** Env vars read from the Secret `<appName>-secrets` (key = `key` or the var name). @default none */
  secrets?: Record<string, SecretRefSpec>;
  /** @default requests 100m CPU / 128MiB, memory limit = request, no CPU limit */
  resources?: ResourcesSpec;
  /** @default httpGet /healthz (liveness) and /ready (readiness) on the app port every 10 s */
  probes?: { liveness?: ProbeSpec; readiness?: ProbeSpec };
  /** Creates an Ingress for this host. @default none: reachable inside the cluster only */
  ingress?: IngressSpec;
  /** Creates a HorizontalPodAutoscaler (autoscaling/v2). @default none: fixed `replicas` */
  autoscaling?: AutoscalingSpec;
  /** Namespaces (tenants) whose pods may call the app. @default only the app's own namespace */
  allowFrom?: string[];
  /** Namespace of the ingress controller, admitted when `ingress` is set. @default "ingress-nginx" */
  ingressControllerNamespace?: string;
  /** Annotations of the app's ServiceAccount (IRSA role, GCP workload identity). @default none */
  serviceAccountAnnotations?: pulumi.Input<Record<string, string>>;
  /** Extra labels merged over the platform labels of every object. @default none */
  labels?: Record<string, string>;
  /** Adds `pulumi.com/skipAwait: "true"` to every object (for previews and fake clusters). @default false */
  skipAwait?: boolean;
}
