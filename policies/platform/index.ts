/**
 * The platform-platform policy pack. Run it with
 * `pulumi preview --policy-pack policies/platform --policy-pack-config policies/config/<env>.json`.
 * Rules live in ./rules (importable without starting the analyzer); this file only builds the pack.
 */
import { PolicyPack } from "@pulumi/policy";
import { platformRules } from "./rules";

new PolicyPack("platform-platform", { policies: platformRules, enforcementLevel: "advisory" });
