/**
 * The platform-gcp policy pack. Run it with
 * `pulumi preview --policy-pack policies/gcp --policy-pack-config policies/config/<env>.json`.
 * Rules live in ./rules (importable without starting the analyzer); this file only builds the pack.
 */
import { PolicyPack } from "@pulumi/policy";
import { gcpRules } from "./rules";

new PolicyPack("platform-gcp", { policies: gcpRules, enforcementLevel: "advisory" });
