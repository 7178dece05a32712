/** Every rule of the Kubernetes pack, in catalog order. */
import { PlatformPolicy } from "../../lib/rule";
import { accessRules } from "./access";
import { containerRules } from "./containers";
import { objectRules } from "./objects";
import { podSecurityRules } from "./pod-security";
import { podSecurityStandardRules } from "./pod-security-standards";
import { stackRules } from "./stack";

export const kubernetesRules: PlatformPolicy[] = [
  ...podSecurityRules,
  ...podSecurityStandardRules,
  ...containerRules,
  ...objectRules,
  ...accessRules,
  ...stackRules,
];
