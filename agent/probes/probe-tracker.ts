// The deterministic half of a container probe (the kubelet's prober worker, minus the I/O):
// when the next run is due, and how raw run results become the probe's result through
// successThreshold / failureThreshold. The pod worker keeps one tracker per probe of the
// current container instance and asks for runs; probe-runner.ts performs them.
//
// Rules (matching the kubelet):
//  - Initial result: readiness Failure (not ready until proven), liveness Success (alive until
//    proven dead), startup Unknown.
//  - The first run is due initialDelaySeconds after the container started; later runs every
//    periodSeconds after the previous one began. One run at a time.
//  - Liveness and readiness do not run until the startup probe (if any) has succeeded; the
//    startup probe stops once it has.
//  - The result flips only after `threshold` identical raw results in a row.
//  - Once liveness or startup reaches Failure the tracker holds: the container is being
//    restarted, and the new instance gets new trackers.

import type { Probe } from "kubernetes-types/core/v1";

export type ProbeKind = "liveness" | "readiness" | "startup";
export type ProbeResult = "success" | "failure" | "unknown";

export interface ProbeTracker {
  kind: ProbeKind;
  containerId: string;
  spec: Probe;
  result: ProbeResult;
  /** The last raw run result and how many times in a row it happened. */
  lastRun?: "success" | "failure";
  run: number;
  nextAt: number;
  inFlight: boolean;
  onHold: boolean;
}

export interface ProbeTiming {
  initialDelayMs: number;
  periodMs: number;
  timeoutMs: number;
  successThreshold: number;
  failureThreshold: number;
}

/** The probe's timing with Kubernetes' defaults (10 s period, 1 s timeout, 1/3 thresholds). */
export function probeTiming(spec: Probe): ProbeTiming {
  const pos = (v: number | undefined, d: number) => (v !== undefined && v > 0 ? v : d);
  return {
    initialDelayMs: Math.max(0, spec.initialDelaySeconds ?? 0) * 1000,
    periodMs: pos(spec.periodSeconds, 10) * 1000,
    timeoutMs: pos(spec.timeoutSeconds, 1) * 1000,
    successThreshold: pos(spec.successThreshold, 1),
    failureThreshold: pos(spec.failureThreshold, 3),
  };
}

export function newProbeTracker(kind: ProbeKind, spec: Probe, containerId: string, startedAtMs: number): ProbeTracker {
  const initial: ProbeResult = kind === "readiness" ? "failure" : kind === "liveness" ? "success" : "unknown";
  return {
    kind,
    containerId,
    spec,
    result: initial,
    run: 0,
    nextAt: startedAtMs + probeTiming(spec).initialDelayMs,
    inFlight: false,
    onHold: false,
  };
}

/** Whether a run should start now. `started`: the startup probe passed (or there is none). */
export function isDue(t: ProbeTracker, now: number, started: boolean): boolean {
  if (t.inFlight || t.onHold || now < t.nextAt) return false;
  if (t.kind === "startup") return t.result !== "success";
  return started;
}

/** Records that a run began; the next one is due a period later. */
export function beginRun(t: ProbeTracker, now: number): void {
  t.inFlight = true;
  t.nextAt = now + probeTiming(t.spec).periodMs;
}

/** Applies a raw run result; returns true when the probe's result changed. */
export function recordRun(t: ProbeTracker, ok: boolean): boolean {
  t.inFlight = false;
  if (t.onHold) return false;
  const raw = ok ? "success" : "failure";
  t.run = t.lastRun === raw ? t.run + 1 : 1;
  t.lastRun = raw;
  const timing = probeTiming(t.spec);
  const threshold = ok ? timing.successThreshold : timing.failureThreshold;
  if (t.run < threshold || t.result === raw) return false;
  t.result = raw;
  if (!ok && t.kind !== "readiness") {
    t.onHold = true;
    t.run = 0;
  }
  return true;
}
