/** Every rule of the platform-wide pack. */
import { PlatformPolicy } from "../../lib/rule";
import { resourceRules } from "./resources";
import { secretRules } from "./secrets";
import { tagRules } from "./tags";

export const platformRules: PlatformPolicy[] = [...tagRules, ...resourceRules, ...secretRules];
