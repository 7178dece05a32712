/**
 * Bounds a schema cannot say on its own: durations within their range (model/durations). Called
 * by checkSemantics; each finding names the field and the range.
 */
import { DURATION_RANGES, durationProblem } from "./durations";
import type { Finding } from "./problems";
import type { Segment } from "./positions";
import type { PlatformSpec } from "./types";

type Add = (segments: Segment[], message: string, at?: Finding["at"]) => void;

/** Adds a finding for every duration field of `spec` outside its range. */
export function checkLimits(spec: PlatformSpec, add: Add): void {
  const agent = spec.agent;
  if (agent) {
    for (const key of ["interval", "driftInterval"] as const) {
      const value = agent[key];
      const problem = value === undefined ? undefined : durationProblem(value, DURATION_RANGES[key]);
      if (problem) add(["agent", key], problem);
    }
  }
}
