// What controllers share. Start here when writing a controller (ReplicaSet, Deployment,
// DaemonSet, Job, CronJob, the garbage collector all use these):
//
//   controller-base.ts                Controller: the wiring every keyed controller repeats (work
//                                     queue, informer leases, resync, event recorder, stop)
//   controller-utils-queue.ts         WorkQueue: keyed, deduplicated, one run per key at a time,
//                                     exponential retry (5 ms .. 60 s), addAfter
//   ../cache/shared-informers.ts      acquireInformer: shared, ref-counted informer caches with a
//                                     by-namespace index (the scheduler and dispatcher use it too)
//   controller-utils-owners.ts        controllerRef, isControlledBy, newControllerRef,
//                                     planClaims (owned/adopt/release), adopt, release
//   controller-utils-pods.ts          isPodActive, isPodReady, isPodAvailable(minReadySeconds, now),
//                                     msUntilNextAvailable, podFromTemplate
//   controller-utils-expectations.ts  Expectations: do not act on a cache that has not yet seen
//                                     your own creates/deletes
//   controller-utils-hash.ts          computePodTemplateHash, templatesEqualIgnoringHash
//
// The shape every controller here follows (STYLE.md, "deterministic cores, I/O at the edge"):
// informer events enqueue keys; `sync(key)` reads the caches, calls a pure `plan…` function
// with an injected `now`, and then performs the writes the plan lists. Unit tests exercise the
// plan functions without etcd; in-process tests run `sync` against a test etcd.

import type { ComponentDeps, LeaderComponent } from "../component";

export * from "./controller-utils-queue";
export * from "./controller-utils-owners";
export * from "./controller-utils-pods";
export * from "./controller-utils-expectations";
export * from "./controller-utils-hash";

/** "namespace/name" (or "name" when cluster-scoped): the work queue key of an object, and its inverse (api/object-key.ts). */
export { objectKey as keyOf, splitObjectKey as splitKey } from "../../api/object-key";

/** An Event a plan asks the caller to record on the object it is about. */
export interface PlannedEvent {
  type: "Normal" | "Warning";
  reason: string;
  message: string;
}

/** Something with start/stop, e.g. a controller class. */
export interface Startable {
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A LeaderComponent that builds a fresh controller on every start (controllers are not
 * restartable objects; leader components must be).
 */
export function leaderComponent(name: string, deps: ComponentDeps, build: (deps: ComponentDeps) => Startable): LeaderComponent {
  let current: Startable | undefined;
  return {
    name,
    async start() {
      const c = build(deps);
      current = c;
      try {
        await c.start();
      } catch (err) {
        current = undefined;
        await c.stop().catch(() => {});
        throw err;
      }
    },
    async stop() {
      const c = current;
      current = undefined;
      await c?.stop();
    },
  };
}

/** Kubernetes' metav1.Time: RFC 3339, UTC, whole seconds (api/time.ts). */
export { formatTime as timestamp } from "../../api/time";
