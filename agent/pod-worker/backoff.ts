// Exponential back-off with the kubelet's rules (client-go flowcontrol.Backoff, as the kubelet
// configures it for container restarts and image pulls: 10 s initial, doubling, 300 s cap).
// Pure: every call takes `now` (ms). Kept per key inside a pod worker's state.
//
//   next(key, eventTime, now)   records a retry: first time (or after a quiet spell) the
//                               window is the initial 10 s, otherwise it doubles up to 300 s.
//   inBackOffSince(key, t, now) still waiting for a retry of something that happened at t
//                               (a container's finishedAt): now - t < window.
//   inBackOffSinceUpdate(...)   still waiting since the last next(): now - lastUpdate < window
//                               (image pulls, which have no finishedAt of their own).
//
// "A quiet spell" is twice the cap (10 min): when the event being judged happened more than
// 10 minutes after the last recorded retry — a container that ran fine for 10 minutes before
// it crashed again — the back-off starts over at 10 s.

export const INITIAL_BACKOFF_MS = 10_000;
export const MAX_BACKOFF_MS = 300_000;

export interface BackoffEntry {
  windowMs: number;
  lastUpdate: number;
}

export type BackoffTable = Record<string, BackoffEntry>;

function expired(eventTime: number, entry: BackoffEntry): boolean {
  return eventTime - entry.lastUpdate > 2 * MAX_BACKOFF_MS;
}

export function next(table: BackoffTable, key: string, eventTime: number, now: number): BackoffEntry {
  const entry = table[key];
  const windowMs = !entry || expired(eventTime, entry) ? INITIAL_BACKOFF_MS : Math.min(entry.windowMs * 2, MAX_BACKOFF_MS);
  return (table[key] = { windowMs, lastUpdate: now });
}

export function inBackOffSince(table: BackoffTable, key: string, eventTime: number, now: number): boolean {
  const entry = table[key];
  if (!entry || expired(eventTime, entry)) return false;
  return now - eventTime < entry.windowMs;
}

export function inBackOffSinceUpdate(table: BackoffTable, key: string, now: number): boolean {
  const entry = table[key];
  if (!entry || expired(now, entry)) return false;
  return now - entry.lastUpdate < entry.windowMs;
}

export function windowOf(table: BackoffTable, key: string): number {
  return table[key]?.windowMs ?? 0;
}
