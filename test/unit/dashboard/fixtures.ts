import type { DriftReport } from "../../../ops/drift/model";

const U = "urn:pulumi:local::platform::";
export const STACK = `${U}pulumi:pulumi:Stack::platform-local`;
export const APPSET = `${U}platform:kubernetes:AppSet::checkout`;
export const APP = `${U}platform:kubernetes:AppSet$platform:kubernetes:App::checkout-local`;
export const DEPLOY = `${U}platform:kubernetes:AppSet$platform:kubernetes:App$kubernetes:apps/v1:Deployment::checkout-local-deployment`;
export const CM = `${U}platform:kubernetes:AppSet$platform:kubernetes:App$kubernetes:core/v1:ConfigMap::checkout-local-env`;
export const SA = `${U}platform:kubernetes:AppSet$platform:kubernetes:App$kubernetes:core/v1:ServiceAccount::checkout-local-sa`;
export const TENANT = `${U}platform:kubernetes:Tenant::payments-local`;
export const NS = `${U}platform:kubernetes:Tenant$kubernetes:core/v1:Namespace::payments-local-namespace`;
export const PROVIDER = `${U}pulumi:providers:kubernetes::k8s-local`;
export const BUCKET = `${U}platform:aws:Bucket$aws:s3/bucketV2:BucketV2::assets-bucket`;

/** A drift report of the local stack's shape, with a secret, a `<script>` value and a deletion. */
export function sampleReport(): DriftReport {
  const r = (urn: string, parent?: string) => ({
    urn,
    type: urn.split("::")[2].split("$").pop() as string,
    name: urn.slice(urn.lastIndexOf("::") + 2),
    ...(parent ? { parent } : {}),
  });
  return {
    schemaVersion: 1,
    environment: "local",
    status: "drifted",
    generatedAt: "2026-01-02T03:04:05.000Z",
    durationSeconds: 3.2,
    lastUpdate: {
      time: "2026-01-01T00:00:00.000Z",
      kind: "update",
      result: "succeeded",
      commit: "abc123def456",
      author: "Ana <ana@example.test>",
    },
    counts: { resources: 9, drifted: 2, modified: 1, deleted: 1, pending: 1 },
    drift: [
      {
        urn: CM,
        type: "kubernetes:core/v1:ConfigMap",
        name: "checkout-local-env",
        change: "modified",
        properties: [
          {
            path: 'data["PAYMENTS_MODE"]',
            kind: "update",
            state: "<script>window.__pwned=1</script>",
            live: "live",
          },
          { path: 'data["TOKEN"]', kind: "update", state: "[secret]", live: "[secret]" },
        ],
      },
      {
        urn: SA,
        type: "kubernetes:core/v1:ServiceAccount",
        name: "checkout-local-sa",
        change: "deleted",
        properties: [],
      },
    ],
    pendingChanges: [
      {
        urn: DEPLOY,
        type: "kubernetes:apps/v1:Deployment",
        name: "checkout-local-deployment",
        op: "update",
        properties: [{ path: "spec.replicas", kind: "update", state: 2, desired: 3 }],
      },
    ],
    resources: [
      r(STACK),
      r(PROVIDER, STACK),
      r(TENANT, STACK),
      r(NS, TENANT),
      r(APPSET, STACK),
      r(APP, APPSET),
      r(DEPLOY, APP),
      r(CM, APP),
      r(SA, APP),
      r(BUCKET),
    ],
    errors: [],
    warnings: ["a <b>warning</b>"],
  };
}
