/**
 * Writing the record with optimistic concurrency: the status is sent with the `resourceVersion`
 * it was computed against; on a conflict (someone changed the object: a spec edit, an annotation)
 * the object is read again and the whole status is computed again against it (its generation,
 * its conditions' transition times), so a retry never loses a field nor keeps a stale one.
 * Client-agnostic: the Kubernetes calls come in as functions.
 */

/** How to write one object's status. */
export interface StatusWrite<O, S> {
  /** The object as last read. */
  current: O;
  /** The whole status to write, computed against `obj`. */
  build: (obj: O) => S;
  /** Writes `status` with `obj`'s resourceVersion as the precondition; resolves to the object written. */
  write: (obj: O, status: S) => Promise<O>;
  /** Reads the object again after a conflict. */
  reread: () => Promise<O>;
  /** Is `err` a conflict (HTTP 409)? */
  isConflict: (err: unknown) => boolean;
  /** @default 5 attempts in all */
  attempts?: number;
}

/** The status could not be written after every attempt conflicted. */
export class StatusConflictError extends Error {
  constructor(attempts: number, options?: ErrorOptions) {
    super(
      `the status conflicted ${attempts} times in a row (the object keeps changing); written at the next status change`,
      options,
    );
    this.name = "StatusConflictError";
  }
}

/** Writes the status, re-reading and recomputing on each conflict. */
export async function writeStatusWithRetry<O, S>(w: StatusWrite<O, S>): Promise<O> {
  const attempts = w.attempts ?? 5;
  let obj = w.current;
  for (let i = 1; ; i++) {
    try {
      return await w.write(obj, w.build(obj));
    } catch (err) {
      if (!w.isConflict(err)) throw err;
      if (i >= attempts) throw new StatusConflictError(attempts, { cause: err });
      obj = await w.reread();
    }
  }
}
