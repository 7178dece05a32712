/** AWS components of the platform: network, EKS, PostgreSQL, S3 buckets and IRSA roles. */
export * from "../shared/cidr";
export * from "../shared/tier";
export * from "./common";
export * from "./network";
export * from "./eks";
export * from "./postgres";
export * from "./bucket";
export * from "./irsa";
