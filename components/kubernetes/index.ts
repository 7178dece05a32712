/** Kubernetes components of the platform: secure-by-default tenants, apps and app sets. */
export * from "./labels";
export * from "./image";
export * from "./tenant";
export * from "./app";
export * from "./appValidation";
export * from "./appSet";
export * from "./externalSecrets";
export * from "./sopsSecret";
export * from "./admissionPolicies";
export * from "./agent/agent";
export * from "./agent/rbac";
