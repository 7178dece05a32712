/** AWS components of the platform: network, EKS, PostgreSQL, S3 buckets and IRSA roles. */
export * from "./cidr";
export * from "./common";
export * from "./network";
export * from "./eks";
export * from "./postgres";
export * from "./bucket";
export * from "./irsa";
