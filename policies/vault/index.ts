/**
 * The platform-vault policy pack. Run it with
 * `pulumi preview --policy-pack policies/vault --policy-pack-config policies/config/<env>.json`.
 * Rules live in ./rules (importable without starting the analyzer); this file only builds the pack.
 */
import { PolicyPack } from "@pulumi/policy";
import { vaultRules } from "./rules";

new PolicyPack("platform-vault", { policies: vaultRules, enforcementLevel: "advisory" });
