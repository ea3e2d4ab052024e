// A fixed clock for table tests: every AGE is measured from NOW.

export const NOW = new Date("2025-06-01T12:00:00Z");

export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** The RFC 3339 timestamp `ms` before NOW, in Kubernetes' whole-second form. */
export function ago(ms: number): string {
  return new Date(NOW.getTime() - ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}
