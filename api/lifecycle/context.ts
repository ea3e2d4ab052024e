// What lifecycle needs from the outside world, injected so the rules stay deterministic and
// testable: the current time, a uid source, and randomness for generated names.

export interface LifecycleContext {
  /** The time of the request; creationTimestamp and deletionTimestamp derive from it. */
  now: Date;
  /** A fresh unique id per call (the apiserver passes crypto.randomUUID). */
  newUid: () => string;
  /** Uniform in [0, 1), like Math.random; picks generateName suffixes. */
  random: () => number;
}

/** Which part of an object an update writes. */
export type UpdateTarget = "main" | "status" | "finalize" | "approval" | "ephemeralcontainers";

export interface UpdateContext extends LifecycleContext {
  /** The write came through the /status subresource (shorthand for `subresource: "status"`). */
  statusOnly?: boolean;
  /** The subresource written: "status", "finalize" for Namespaces, "approval" for CertificateSigningRequests, "ephemeralcontainers" for Pods. */
  subresource?: "status" | "finalize" | "approval" | "ephemeralcontainers";
}

/** Kubernetes serializes metav1.Time as RFC 3339 in UTC with whole seconds (api/time.ts). */
export { formatTime as formatTimestamp } from "../time";
