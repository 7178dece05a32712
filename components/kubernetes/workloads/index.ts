/** Workloads the platform deploys as they exist: Helm charts, Kustomize folders, plain manifests. */
export * from "./placement";
export * from "./common";
export * from "./helm";
export * from "./kustomize";
export * from "./manifests";
export * from "./manifestFiles";
