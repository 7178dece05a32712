/** Every rule of the GCP pack, in catalog order. */
import { PlatformPolicy } from "../../lib/rule";
import { dataRules } from "./data";
import { gkeRules } from "./gke";

export const gcpRules: PlatformPolicy[] = [...gkeRules, ...dataRules];
