// The time part of an Event's name: 16 hex digits of nanoseconds since the epoch, as client-go
// writes (`<object>.<UnixNano in hex>`). Names of one object's events then sort in the order the
// events happened, which is the order `kubectl describe` keeps within a second.

let lastNs = 0n;

/** A suffix for an event first seen at `ms`; strictly increasing within this process. */
export function eventNameSuffix(ms: number): string {
  let ns = BigInt(Math.floor(ms)) * 1_000_000n;
  if (ns <= lastNs) ns = lastNs + 1n;
  lastNs = ns;
  return ns.toString(16).padStart(16, "0");
}

/**
 * The same for a series another process reported (an agent's event), with no process-wide
 * sequence to lean on: the time of its first occurrence plus a sub-millisecond part taken from
 * the series' digest, so one series always maps to one name and two series started in the same
 * millisecond still get two.
 */
export function seriesNameSuffix(firstMs: number, digestHex: string): string {
  const subMs = BigInt(Number.parseInt(digestHex.slice(0, 8), 16) % 1_000_000);
  return (BigInt(Math.floor(firstMs)) * 1_000_000n + subMs).toString(16).padStart(16, "0");
}
