// Preloaded into every policy pack process by run-pack.sh (`node --require`). The Pulumi engine
// starts analyzer plugins in process groups of their own and nothing tells them when the engine
// dies without cleaning up (SIGKILL, OOM, a crash): the pack would run on forever, orphaned. So
// this remembers the parent at start (the engine: run-pack.sh `exec`s node) and exits as soon as
// the process has been handed to another parent (init or a subreaper) or the parent pid is gone.
// The timer is unref'd: it never keeps a pack alive by itself. PLATFORM_PARENT_POLL_MS overrides
// the interval (tests).
"use strict";

const parent = process.ppid;

function parentGone() {
  if (process.ppid !== parent) return true;
  try {
    process.kill(parent, 0);
    return false;
  } catch (err) {
    return err.code === "ESRCH";
  }
}

setInterval(
  () => {
    if (parentGone()) process.exit(1);
  },
  Number(process.env.PLATFORM_PARENT_POLL_MS) || 1000,
).unref();
