import * as pulumi from "@pulumi/pulumi";

/** An image as the spec gives it: repository plus exactly one of tag or digest. */
export interface ImageArgs {
  /** Repository without tag or digest, e.g. `registry.acme.io/payments/checkout`. */
  image: string;
  /** Tag; `latest` is rejected. Exactly one of `tag` and `digest` is required. */
  tag?: string;
  /** Digest `sha256:<64 hex>`. Exactly one of `tag` and `digest` is required. */
  digest?: string;
}

const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$|^sha512:[a-f0-9]{128}$/;
const REPOSITORY = /^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._/-][a-z0-9]+)*)*$/;

/**
 * Validates an image and returns the reference a pod uses: `image:tag` or `image@digest`.
 * Throws `pulumi.InputPropertyError` naming the property, what was given and how to fix it, for
 * `latest`, a missing tag/digest, both at once, a tag or digest inside `image`, or a bad format.
 * `owner` names the app in the message.
 */
export function imageReference(owner: string, args: ImageArgs): string {
  const fail = (propertyPath: string, reason: string) =>
    new pulumi.InputPropertyError({ propertyPath, reason: `app "${owner}": ${reason}` });
  const { image, tag, digest } = args;
  const lastSegment = image.slice(image.lastIndexOf("/") + 1);
  if (image.includes("@") || lastSegment.includes(":")) {
    throw fail(
      "image",
      `image is "${image}", which already carries a tag or digest; put the repository in "image" and the version in "tag" or "digest"`,
    );
  }
  if (!REPOSITORY.test(image)) {
    throw fail(
      "image",
      `image is "${image}", which is not an image repository; write e.g. "registry.acme.io/team/app" (lower-case)`,
    );
  }
  if (tag !== undefined && digest !== undefined) {
    throw fail(
      "digest",
      `both tag "${tag}" and digest "${digest}" are given; keep exactly one (a digest pins the image, a tag is what promotion rewrites)`,
    );
  }
  if (tag === undefined && digest === undefined) {
    throw fail(
      "tag",
      `image "${image}" has no tag and no digest; set "tag" (e.g. "1.4.2") or "digest" ("sha256:…") so the deployed version is explicit`,
    );
  }
  if (tag !== undefined) {
    if (tag.toLowerCase() === "latest") {
      throw fail(
        "tag",
        `tag is "${tag}", which is not allowed because "latest" moves under you; pin a version tag (e.g. "1.4.2") or a digest`,
      );
    }
    if (!TAG.test(tag)) {
      throw fail(
        "tag",
        `tag is "${tag}", which is not a valid image tag (letters, digits, "_", "." and "-", at most 128 chars)`,
      );
    }
    return `${image}:${tag}`;
  }
  if (!DIGEST.test(digest as string)) {
    throw fail("digest", `digest is "${digest}"; write it as "sha256:" followed by 64 lower-case hex digits`);
  }
  return `${image}@${digest}`;
}
