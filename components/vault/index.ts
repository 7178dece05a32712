/** Vault components of the platform: per-tenant secrets and the environment audit device. */
export * from "./tenantSecrets";
export * from "./audit";
