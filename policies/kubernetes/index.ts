/**
 * The platform-kubernetes policy pack. Run it with
 * `pulumi preview --policy-pack policies/kubernetes --policy-pack-config policies/config/<env>.json`.
 * Rules live in ./rules (importable without starting the analyzer); this file only builds the pack.
 */
import { PolicyPack } from "@pulumi/policy";
import { kubernetesRules } from "./rules";

new PolicyPack("platform-kubernetes", { policies: kubernetesRules, enforcementLevel: "advisory" });
