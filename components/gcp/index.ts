/** GCP components of the platform: network, GKE, Cloud SQL, GCS buckets and workload identity. */
export * from "./common";
export * from "./network";
export * from "./gke";
export * from "./cloudsql";
export * from "./bucket";
export * from "./workloadIdentity";
