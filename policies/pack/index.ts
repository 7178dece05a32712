/**
 * The one policy pack the engine runs: every rule of every area (policies/catalog.ts) in a single
 * analyzer process, so a preview or `up` starts one pack, not one per area. Rules keep their
 * area in their names (`k8s-…`, `aws-…`; policies/areas.ts), which is what reports show.
 * The engine starts it through ./run-pack (policies/run-pack.sh), which runs the compiled bundle
 * (policies/compile-pack.js); this file only builds the pack.
 */
import { PolicyPack } from "@pulumi/policy";
import { allPolicies } from "../catalog";

new PolicyPack("platform-policies", { policies: [...allPolicies], enforcementLevel: "advisory" });
