// When `gantry supervise` restarts a daemon that died, and what it says about it. Pure: the
// caller passes how long the run lasted and gets the delay back, so the policy is tested
// without clocks or processes.
//
// A daemon that ran for a while and then died is restarted almost at once (initialDelayMs).
// One that dies again soon after each start (a configuration error, a port held by someone
// else) is restarted with a doubling delay capped at maxDelayMs: never faster than that cap
// once looping, and never slower, so a daemon is back within maxDelayMs of any death. Each
// decision carries the facts the supervisor logs, and `crashLooping` once the quick deaths pile
// up, so a loop is reported rather than retried silently.

export interface RestartPolicyOptions {
  /** Delay after the first death of a run that lasted. Default 200 ms. */
  initialDelayMs: number;
  /** Ceiling of the delay. Default 2000 ms (the supervisor's promise: back within 2 s). */
  maxDelayMs: number;
  /** A run at least this long counts as healthy: the next death starts the back-off afresh. Default 10 s. */
  resetAfterMs: number;
  /** This many quick deaths in a row are reported as a crash loop. Default 3. */
  crashLoopAfter: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicyOptions = { initialDelayMs: 200, maxDelayMs: 2000, resetAfterMs: 10_000, crashLoopAfter: 3 };

/** What the policy remembers between deaths. */
export interface RestartState {
  /** Deaths in a row, each after a run shorter than resetAfterMs (the one just seen included). */
  quickDeaths: number;
}

export const INITIAL_RESTART_STATE: RestartState = { quickDeaths: 0 };

export interface RestartDecision {
  state: RestartState;
  delayMs: number;
  /** The daemon keeps dying soon after it starts. */
  crashLooping: boolean;
}

/** The decision after a death of a run that lasted `ranForMs`. */
export function decideRestart(state: RestartState, ranForMs: number, o: RestartPolicyOptions = DEFAULT_RESTART_POLICY): RestartDecision {
  const healthyRun = ranForMs >= o.resetAfterMs;
  const quickDeaths = healthyRun ? 0 : state.quickDeaths + 1;
  // Deaths after a healthy run count as the first of a new series.
  const attempt = Math.max(1, quickDeaths);
  const delayMs = Math.min(o.initialDelayMs * 2 ** (attempt - 1), o.maxDelayMs);
  return { state: { quickDeaths }, delayMs, crashLooping: quickDeaths >= o.crashLoopAfter };
}

/** How a process ended, as the supervisor logs it: "exit code 1", "signal SIGKILL". */
export function describeExit(code: number | null, signal: string | null): string {
  if (signal) return `signal ${signal}`;
  if (code !== null) return `exit code ${code}`;
  return "an unknown cause";
}
