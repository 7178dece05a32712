/**
 * The platform's OCI artifact: one gzip'd tar layer of the repository at a commit, under a custom
 * artifact type, with the commit, source and time in the standard annotations. Both sides
 * (`platform publish`, the agent's OCI source) read these names from here.
 */

/** The manifest's `artifactType`: what kind of artifact this is. */
export const ARTIFACT_TYPE = "application/vnd.platform.source.v1";
/** The one layer: `git archive` of the commit, gzip'd. */
export const LAYER_MEDIA_TYPE = "application/vnd.platform.source.layer.v1.tar+gzip";
/** The layer's file name inside the artifact (its `org.opencontainers.image.title`). */
export const LAYER_TITLE = "source.tar.gz";

/** The standard annotations the artifact carries. */
export const ANNOTATION = {
  revision: "org.opencontainers.image.revision",
  source: "org.opencontainers.image.source",
  created: "org.opencontainers.image.created",
} as const;
