/**
 * The platform-aws policy pack. Run it with
 * `pulumi preview --policy-pack policies/aws --policy-pack-config policies/config/<env>.json`.
 * Rules live in ./rules (importable without starting the analyzer); this file only builds the pack.
 */
import { PolicyPack } from "@pulumi/policy";
import { awsRules } from "./rules";

new PolicyPack("platform-aws", { policies: awsRules, enforcementLevel: "advisory" });
