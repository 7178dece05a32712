/**
 * What an environment really runs: the image of an app's Deployment in the stack's state after its
 * last update, provided that update succeeded. Read through the Automation API (`history`,
 * `exportStack`, tags); nothing is changed.
 */
import { Stack } from "@pulumi/pulumi/automation";
import { ImageRef } from "./spec";
import { exportEncrypted } from "../engine/workspace";

/** The deployed image of an app and the deploy it came from. */
export interface DeployedImage {
  ref: ImageRef;
  /** `repo:tag` or `repo@digest` as deployed. */
  image: string;
  /** The last update: its message (commit, author, PR), end time and version. */
  update: { message: string; endTime?: string; version?: number };
  /** Stack tags of the deploy (`platform:commit`, `platform:run-url`, ...). */
  tags: Record<string, string>;
}

/** A reason not to promote from an environment (its deploy failed, the app is not there, ...). */
export class PromotionRefused extends Error {
  override name = "PromotionRefused";
}

/** Splits `registry/repo:tag` or `registry/repo@sha256:...` into repository and ref. */
export function parseImage(image: string): { repository: string; ref: ImageRef } | undefined {
  const at = image.indexOf("@");
  if (at > 0) return { repository: image.slice(0, at), ref: { kind: "digest", value: image.slice(at + 1) } };
  const colon = image.lastIndexOf(":");
  if (colon > image.lastIndexOf("/")) {
    return { repository: image.slice(0, colon), ref: { kind: "tag", value: image.slice(colon + 1) } };
  }
  return undefined;
}

interface StateResource {
  type: string;
  urn: string;
  outputs?: {
    metadata?: { name?: string; labels?: Record<string, string> };
    spec?: { template?: { spec?: { containers?: Array<{ name?: string; image?: string }> } } };
  };
}

/** Images of the app's Deployments in a state export (one per cluster it runs on). */
export function imagesInState(resources: readonly StateResource[], app: string): string[] {
  const images = new Set<string>();
  for (const r of resources) {
    if (r.type !== "kubernetes:apps/v1:Deployment") continue;
    const meta = r.outputs?.metadata;
    const isApp = meta?.name === app || meta?.labels?.["app.kubernetes.io/name"] === app;
    if (!isApp) continue;
    const containers = r.outputs?.spec?.template?.spec?.containers ?? [];
    const main = containers.find((c) => c.name === "app") ?? containers[0];
    if (main?.image) images.add(main.image);
  }
  return [...images];
}

/**
 * The image `app` runs in `env` after the last update. Refuses when the environment has never been
 * deployed, when its last update did not succeed, when the app is not deployed, or when its
 * clusters run different images.
 */
export async function deployedImage(stack: Stack, env: string, app: string): Promise<DeployedImage> {
  const [last] = await stack.history(1);
  if (!last) throw new PromotionRefused(`${env} has no deploy yet: deploy it first (platform up ${env})`);
  if (last.result !== "succeeded") {
    throw new PromotionRefused(
      `the last ${last.kind} of ${env} ${last.result === "in-progress" ? "is still running" : "failed"} ` +
        `(${last.message || "no message"}): fix ${env} and deploy it successfully before promoting from it`,
    );
  }
  const state = await exportEncrypted(stack); // not exportStack(): that adds --show-secrets
  const resources = ((state.deployment as { resources?: StateResource[] })?.resources ??
    []) as StateResource[];
  const images = imagesInState(resources, app);
  if (images.length === 0) throw new PromotionRefused(`app "${app}" is not deployed in ${env}`);
  if (images.length > 1) {
    throw new PromotionRefused(
      `app "${app}" runs different images across the clusters of ${env}: ${images.join(", ")}`,
    );
  }
  const parsed = parseImage(images[0]);
  if (!parsed)
    throw new PromotionRefused(`app "${app}" in ${env} runs ${images[0]}, which has no tag or digest`);
  const tags = await stack.workspace.listTags(stack.name).catch(() => ({}) as Record<string, string>);
  return {
    ref: parsed.ref,
    image: images[0],
    update: {
      message: last.message,
      endTime: last.endTime ? new Date(last.endTime).toISOString() : undefined,
      version: last.version,
    },
    tags,
  };
}
