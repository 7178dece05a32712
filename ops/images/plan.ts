/**
 * What `platform image update` would change: for each app with an update policy, the newest tag
 * the policy allows among the registry's tags, against what the spec pins. Every app is planned
 * before anything is written, and one refusal (an unreachable registry, a policy matching
 * nothing, a digest-pinned app, too many tags, an invalid tag) stops the whole run: nothing is
 * half-applied. The registry is passed in, so the decisions are tested without one.
 */
import { compilePolicy, IMAGE_TAG, isLatest, newestTag } from "../../model/imageUpdate";
import type { AppSpec, PlatformSpec } from "../../model/types";
import { ImageRef, readImageRef } from "../promote/spec";
import { RegistryError, RegistryFailure } from "./registry";

/** Why an app is not moved; named for the result file and tests, never matched on text. */
export type RefusalReason = RegistryFailure | "NoTagMatches" | "DigestPinned" | "CurrentTagInvalid";

/** An app that cannot be updated, and why. */
export interface Refusal {
  app: string;
  reason: RefusalReason;
  message: string;
}

/** One app's planned change. */
export interface Change {
  app: string;
  /** What the spec pins now. */
  from: ImageRef;
  /** What it will pin: the newest allowed tag, or (digest-pinned, allowed) that tag's digest. */
  to: ImageRef;
  /** The newest allowed tag. */
  tag: string;
  /** The policy as it reads (`semver ">=1.4.0 <2"`). */
  policy: string;
  /** Tags listed / allowed by the policy. */
  listed: number;
  allowed: number;
}

/** An app already at its newest allowed tag. */
export interface UpToDate {
  app: string;
  tag: string;
  policy: string;
}

/** The whole run's decision. */
export interface Plan {
  changes: Change[];
  upToDate: UpToDate[];
  refusals: Refusal[];
}

/** The registry as the plan sees it. */
export interface Registry {
  tags(repository: string): Promise<string[]>;
  digest(repository: string, tag: string): Promise<string>;
}

/** Options of {@link planUpdates}. */
export interface PlanOptions {
  /** Move apps pinned by `digest:` to the digest of their newest allowed tag. @default refused */
  moveDigestPinned: boolean;
  /** Only these apps. @default every app with a policy */
  apps?: string[];
}

function refusalOf(app: string, err: unknown): Refusal {
  if (err instanceof RegistryError) return { app, reason: err.reason, message: err.message };
  throw err;
}

async function planApp(
  name: string,
  app: AppSpec & { update: NonNullable<AppSpec["update"]> },
  text: string,
  registry: Registry,
  listings: Map<string, Promise<string[]>>,
  opts: PlanOptions,
): Promise<Change | UpToDate | Refusal> {
  const from = readImageRef(text, name);
  if (from.kind === "digest" && !opts.moveDigestPinned) {
    return {
      app: name,
      reason: "DigestPinned",
      message: `apps.${name} is pinned by digest (${from.value.slice(0, 19)}…), so it is not moved: remove its update policy, or pass --move-digest-pinned to pin the digest of the newest allowed tag`,
    };
  }
  if (from.kind === "tag" && (!IMAGE_TAG.test(from.value) || isLatest(from.value))) {
    return {
      app: name,
      reason: "CurrentTagInvalid",
      message: `apps.${name}.tag ${JSON.stringify(from.value)} is not a valid pinned tag: fix it by hand first`,
    };
  }
  const policy = compilePolicy(app.update);
  if (!listings.has(app.image)) listings.set(app.image, registry.tags(app.image));
  let tags: string[];
  try {
    tags = await (listings.get(app.image) as Promise<string[]>);
  } catch (err) {
    return refusalOf(name, err);
  }
  const { tag, allowed } = newestTag(tags, policy);
  if (tag === undefined) {
    const sample = tags.slice(-5).join(", ");
    return {
      app: name,
      reason: "NoTagMatches",
      message: `apps.${name}: no tag of ${app.image} matches ${policy.describe} (${tags.length} tags listed${tags.length ? `, e.g. ${sample}` : ""}): push a matching tag or widen the policy`,
    };
  }
  const described = { app: name, tag, policy: policy.describe };
  if (from.kind === "tag") {
    const current = policy.key(from.value);
    // a current tag the policy allows and that ranks at least as high stays (never moves back)
    if (current !== undefined && policy.compare(current, policy.key(tag) as string | number) >= 0) {
      return { ...described, tag: from.value };
    }
    return { ...described, from, to: { kind: "tag", value: tag }, listed: tags.length, allowed };
  }
  let digest: string;
  try {
    digest = await registry.digest(app.image, tag);
  } catch (err) {
    return refusalOf(name, err);
  }
  if (digest === from.value) return described;
  return { ...described, from, to: { kind: "digest", value: digest }, listed: tags.length, allowed };
}

/**
 * The plan for every app of `spec` with `update:` (in name order); `text` is the spec's text (for
 * what it pins, as promote reads it). Each image repository is listed once.
 */
export async function planUpdates(
  spec: PlatformSpec,
  text: string,
  registry: Registry,
  opts: PlanOptions,
): Promise<Plan> {
  const plan: Plan = { changes: [], upToDate: [], refusals: [] };
  const apps = Object.entries(spec.apps ?? {})
    .filter((entry): entry is [string, AppSpec & { update: NonNullable<AppSpec["update"]> }] =>
      Boolean(entry[1].update),
    )
    .filter(([name]) => !opts.apps || opts.apps.includes(name))
    .sort(([a], [b]) => a.localeCompare(b));
  const listings = new Map<string, Promise<string[]>>();
  const outcomes = await Promise.all(
    apps.map(([name, app]) => planApp(name, app, text, registry, listings, opts)),
  );
  for (const outcome of outcomes) {
    if ("reason" in outcome) plan.refusals.push(outcome);
    else if ("to" in outcome) plan.changes.push(outcome);
    else plan.upToDate.push(outcome);
  }
  return plan;
}
