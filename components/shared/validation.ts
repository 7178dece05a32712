/**
 * Pure argument checks shared by the AWS and GCP components. Each returns the problem as a
 * sentence in the user's words (what was given, what is allowed), or undefined when the arguments
 * are valid; the component prefixes it with what it builds (`failer`) and throws.
 */

/** Validates node pool sizes (shared by EKS and GKE); returns a message or undefined. */
export function nodePoolProblem(
  pool: { name: string; min: number; max: number },
  where: string,
): string | undefined {
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(pool.name) || pool.name.length > 40) {
    return `${where}.name "${pool.name}" must be lower-case letters, digits and "-" (at most 40 chars), e.g. "general"`;
  }
  if (!Number.isInteger(pool.min) || pool.min < 0) {
    return `${where}.min is ${pool.min}; it must be a whole number of at least 0`;
  }
  if (!Number.isInteger(pool.max) || pool.max < 1) {
    return `${where}.max is ${pool.max}; it must be a whole number of at least 1`;
  }
  if (pool.min > pool.max) {
    return `${where} has min ${pool.min} greater than max ${pool.max}; set min <= max (e.g. min: ${pool.max}, max: ${pool.min})`;
  }
  return undefined;
}

/**
 * The first problem of a cluster's `nodePools`: none declared (`example` shows one pool in the
 * cloud's own sizes), a pool that {@link nodePoolProblem} rejects, or two pools of one name.
 */
export function nodePoolsProblem(
  pools: readonly { name: string; min: number; max: number }[],
  example: string,
): string | undefined {
  if (pools.length === 0) return `nodePools is empty; declare at least one, e.g. ${example}`;
  const seen = new Set<string>();
  for (const [i, pool] of pools.entries()) {
    const problem = nodePoolProblem(pool, `nodePools[${i}]`);
    if (problem) return problem;
    if (seen.has(pool.name))
      return `nodePools has two pools named "${pool.name}"; give each pool its own name`;
    seen.add(pool.name);
  }
  return undefined;
}

/** The retention settings of a bucket (S3 and GCS alike), in days. */
export interface RetentionDays {
  retentionDays?: number;
  noncurrentVersionRetentionDays?: number;
}

/**
 * The first retention setting of a bucket that is not a whole number of days of at least 1, named
 * by its key; undefined when every setting is valid or omitted (omitted keeps objects forever).
 */
export function retentionProblem(days: RetentionDays): string | undefined {
  for (const field of ["retentionDays", "noncurrentVersionRetentionDays"] as const) {
    const value = days[field];
    if (value !== undefined && (!Number.isInteger(value) || value < 1)) {
      return `${field} is ${value}; give a whole number of days of at least 1, or omit it to keep objects forever`;
    }
  }
  return undefined;
}
