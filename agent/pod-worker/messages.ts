// The words the kubelet uses, so `kubectl describe pod` reads the same on Gantry: event
// messages, waiting reasons, and Go's duration spelling ("1.234s", "1m20s", "5m0s").

import type { Pod } from "kubernetes-types/core/v1";
import { formatTime as rfc3339 } from "../../api/time";

/** format.Pod in the kubelet: name_namespace(uid). */
export function podDesc(pod: Pod): string {
  return `${pod.metadata?.name ?? ""}_${pod.metadata?.namespace ?? ""}(${pod.metadata?.uid ?? ""})`;
}

/** Go's time.Duration.String() for a whole number of milliseconds. */
export function goDuration(ms: number): string {
  const neg = ms < 0;
  let rest = Math.round(Math.abs(ms));
  if (rest === 0) return "0s";
  let out: string;
  if (rest < 1000) {
    out = `${rest}ms`;
  } else {
    const h = Math.floor(rest / 3_600_000);
    rest -= h * 3_600_000;
    const m = Math.floor(rest / 60_000);
    rest -= m * 60_000;
    const s = rest / 1000;
    const secs = `${Number.isInteger(s) ? s : s.toFixed(3).replace(/0+$/, "")}s`;
    out = h > 0 ? `${h}h${m}m${secs}` : m > 0 ? `${m}m${secs}` : secs;
  }
  return neg ? `-${out}` : out;
}

/** RFC 3339 with second precision in UTC, as Kubernetes JSON writes times (api/time.ts). */
export { rfc3339 };

/** A runtime timestamp (RFC 3339, any precision) in Kubernetes' form; "" when absent or unreadable. */
export function normalizeTime(t: string | undefined): string {
  if (!t) return "";
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? "" : rfc3339(ms);
}

/** Milliseconds of a runtime timestamp, or undefined. */
export function timeMs(t: string | undefined): number | undefined {
  if (!t) return undefined;
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? undefined : ms;
}

export const Msg = {
  pulling: (image: string) => `Pulling image "${image}"`,
  pulled: (image: string, ms: number) => `Successfully pulled image "${image}" in ${goDuration(ms)}`,
  alreadyPresent: (image: string) => `Container image "${image}" already present on machine`,
  neverPull: (image: string) => `Container image "${image}" is not present with pull policy of Never`,
  pullFailed: (image: string, err: string) => `Failed to pull image "${image}": ${err}`,
  pullBackOff: (image: string) => `Back-off pulling image "${image}"`,
  created: (name: string) => `Created container ${name}`,
  started: (name: string) => `Started container ${name}`,
  stopping: (name: string) => `Stopping container ${name}`,
  livenessKill: (name: string) => `Container ${name} failed liveness probe, will be restarted`,
  startupKill: (name: string) => `Container ${name} failed startup probe, will be restarted`,
  definitionChanged: (name: string) => `Container ${name} definition changed, will be restarted`,
  backOffEvent: (name: string, pod: Pod) => `Back-off restarting failed container ${name} in pod ${podDesc(pod)}`,
  crashLoop: (windowMs: number, name: string, pod: Pod) => `back-off ${goDuration(windowMs)} restarting failed container=${name} pod=${podDesc(pod)}`,
  probeFailed: (kind: string, output: string) => `${kind[0].toUpperCase()}${kind.slice(1)} probe failed: ${output}`,
};
