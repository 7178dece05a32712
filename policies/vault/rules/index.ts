/** Every rule of the Vault pack. */
export { vaultRules } from "./vault";
