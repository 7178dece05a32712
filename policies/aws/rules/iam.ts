/** IAM rules (Checkov CKV_AWS_62, CKV_AWS_289/290). Documents may be JSON strings or objects. */
import { Statement, describeStatement, isServiceWildcard, isStarAction, statementsOf } from "../../lib/iam";
import { UNKNOWN, get, list } from "../../lib/read";
import { PlatformPolicy, describe, resourceRule } from "../../lib/rule";
import { IAM_POLICIES, IAM_ROLE } from "./tokens";

/** The policy documents of an IAM resource with where they live; UNKNOWN documents are skipped. */
function documentsOf(type: string, props: unknown): { where: string; statements: Statement[] }[] {
  const docs: { where: string; doc: unknown }[] =
    type === IAM_ROLE
      ? (() => {
          const inline = list(props, "inlinePolicies");
          return inline === UNKNOWN
            ? []
            : inline.map((p, i) => ({ where: `inlinePolicies[${i}].policy`, doc: get(p, "policy") }));
        })()
      : [{ where: "policy", doc: get(props, "policy") }];
  const out: { where: string; statements: Statement[] }[] = [];
  for (const { where, doc } of docs) {
    const statements = statementsOf(doc);
    if (statements !== UNKNOWN) out.push({ where, statements });
  }
  return out;
}

const IAM_TYPES = [...IAM_POLICIES, IAM_ROLE];

const noStarStar = resourceRule({
  name: "aws-iam-no-star-star",
  description: 'IAM policies never Allow action "*" on resource "*" (full administrator).',
  level: "mandatory",
  severity: "critical",
  mirrors: "Checkov CKV_AWS_62, CKV_AWS_1",
  remediationSteps:
    "Grant the specific actions on the specific resource ARNs the principal needs; keep administrator access in a break-glass role outside the stack.",
  appliesTo: IAM_TYPES,
  validate: (props, args, report) => {
    for (const { where, statements } of documentsOf(args.type, props)) {
      statements.forEach((s, i) => {
        if (s.effect !== "Allow" || !s.resources.includes("*")) return;
        if (s.actions.some(isStarAction)) {
          report(
            `${describe(args.type, args.name)} allows Action "*" on Resource "*" in ${where} ${describeStatement(s, i)}; list the specific actions and resource ARNs.`,
          );
        } else if (s.notActions.length > 0) {
          report(
            `${describe(args.type, args.name)} allows everything except ${s.notActions.join(", ")} on Resource "*" in ${where} ${describeStatement(s, i)} (NotAction); list the allowed actions instead.`,
          );
        }
      });
    }
  },
});

const noWildcardActions = resourceRule({
  name: "aws-iam-no-wildcard-actions",
  description: 'IAM policies do not Allow whole-service wildcards such as "s3:*" on every resource.',
  level: "advisory",
  severity: "high",
  mirrors: "Checkov CKV_AWS_289, CKV_AWS_290",
  remediationSteps:
    'Replace "service:*" with the actions the principal calls (e.g. s3:GetObject, s3:PutObject) and scope Resource to ARNs.',
  appliesTo: IAM_TYPES,
  validate: (props, args, report) => {
    for (const { where, statements } of documentsOf(args.type, props)) {
      statements.forEach((s, i) => {
        if (s.effect !== "Allow" || !s.resources.includes("*")) return;
        const wild = s.actions.filter(isServiceWildcard);
        if (wild.length > 0) {
          report(
            `${describe(args.type, args.name)} allows ${wild.join(", ")} on Resource "*" in ${where} ${describeStatement(s, i)}; list specific actions and scope Resource to ARNs.`,
          );
        }
      });
    }
  },
});

export const iamRules: PlatformPolicy[] = [noStarStar, noWildcardActions];
