// Kubernetes' time formats (k8s.io/apimachinery metav1): how every timestamp this project writes
// into an object looks. One place, so the agent, the master and api/ cannot drift apart.
//
//   metav1.Time       RFC 3339 in UTC with whole seconds: 2026-01-02T03:04:05Z
//                     (creationTimestamp, conditions' lastTransitionTime, Event times, ...)
//   metav1.MicroTime  RFC 3339 in UTC with six fractional digits: 2026-01-02T03:04:05.678000Z
//                     (Lease renewTime/acquireTime, events.k8s.io eventTime)

/** metav1.Time: `2026-01-02T03:04:05Z`. Fractions are dropped (truncated, as Go's time.Truncate does). */
export function formatTime(t: Date | number): string {
  const d = typeof t === "number" ? new Date(t) : t;
  return `${d.toISOString().slice(0, 19)}Z`;
}

/** metav1.MicroTime: `2026-01-02T03:04:05.678000Z` (JavaScript dates carry milliseconds). */
export function formatMicroTime(t: Date): string {
  return `${t.toISOString().slice(0, 23)}000Z`;
}
