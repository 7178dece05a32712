/**
 * What a promotion must hold before it commits anything: the source spec is valid (so `latest`,
 * `$(id)`, a tag with a newline or an unquoted `3.10` read as 3.1 never travel), source and target
 * run the same image repository, and the rewritten target passes the same loader `validate` uses.
 */
import { checkSpec, formatProblem } from "../../model/load";
import type { PlatformSpec } from "../../model/types";
import { PromotionRefused, parseImage } from "./source";

/** `text` parsed and checked by the loader; refuses, listing every problem, when it is not valid. */
export function validSpec(text: string, file: string, root: string, what: string): PlatformSpec {
  const { spec, problems } = checkSpec(text, file, { root });
  if (spec) return spec;
  const list = problems.slice(0, 10).map(formatProblem).join("\n  ");
  const more = problems.length > 10 ? `\n  … (${problems.length} problems)` : "";
  throw new PromotionRefused(`${what} is not valid, so nothing was promoted:\n  ${list}${more}`);
}

/** The image repository `app` is declared with in `spec`; refuses when the app is not there. */
export function declaredRepository(spec: PlatformSpec, app: string, env: string): string {
  const declared = spec.apps?.[app];
  if (!declared) {
    const apps = Object.keys(spec.apps ?? {});
    throw new PromotionRefused(
      `app "${app}" is not declared in ${env} (apps there: ${apps.join(", ") || "none"})`,
    );
  }
  return declared.image;
}

/**
 * Refuses when the source runs another repository than the target declares: a tag means nothing
 * outside its repository (the local stand-in image's tag is not a release of production's app).
 * `source` is a repository, or a deployed image (`repo:tag`, `repo@digest`).
 */
export function checkSameRepository(
  app: string,
  from: string,
  source: string,
  to: string,
  target: string,
): void {
  const repository = parseImage(source)?.repository ?? source;
  if (repository !== target) {
    throw new PromotionRefused(
      `${from} runs ${app} from ${repository} but ${to} declares ${target}: a tag is only meaningful within one repository; change apps.${app}.image in one of them first (by a reviewed change), then promote`,
    );
  }
}
