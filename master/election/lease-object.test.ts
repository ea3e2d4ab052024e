import assert from "node:assert/strict";
import { test } from "node:test";
import type { KubeObject } from "../../api/object";
import { EPOCH_ANNOTATION, microTime, nextLease } from "./lease-object";

const lease = (spec: Record<string, unknown>, epoch?: number): KubeObject => ({
  apiVersion: "coordination.k8s.io/v1",
  kind: "Lease",
  metadata: { name: "gantry-master", namespace: "kube-system", resourceVersion: "7", annotations: epoch === undefined ? undefined : { [EPOCH_ANNOTATION]: String(epoch) } },
  spec,
});

test("microTime has exactly six fractional digits, as Kubernetes' MicroTime", () => {
  assert.equal(microTime(new Date("2026-01-02T03:04:05.678Z")), "2026-01-02T03:04:05.678000Z");
});

test("a new holder counts a transition and sets acquireTime; renewals by the same term only move renewTime", () => {
  const before = lease({ holderIdentity: "m1", leaseDurationSeconds: 10, acquireTime: "T0", renewTime: "T1", leaseTransitions: 2 }, 100);
  const taken = nextLease(before, { identity: "m2", epoch: 140, acquired: true, now: "T5", leaseDurationSeconds: 10 });
  assert.deepEqual(taken.spec, { holderIdentity: "m2", leaseDurationSeconds: 10, acquireTime: "T5", renewTime: "T5", leaseTransitions: 3 });
  assert.equal(taken.metadata.annotations?.[EPOCH_ANNOTATION], "140");
  assert.equal(taken.metadata.resourceVersion, "7", "the CAS precondition is kept");

  const renewed = nextLease(taken, { identity: "m2", epoch: 140, acquired: false, now: "T8", leaseDurationSeconds: 10 });
  assert.deepEqual(renewed.spec, { holderIdentity: "m2", leaseDurationSeconds: 10, acquireTime: "T5", renewTime: "T8", leaseTransitions: 3 });
});

test("the same master winning a new term sets acquireTime but is no transition; a first record starts at zero", () => {
  const mine = lease({ holderIdentity: "m1", leaseDurationSeconds: 10, acquireTime: "T0", renewTime: "T1", leaseTransitions: 4 }, 100);
  const again = nextLease(mine, { identity: "m1", epoch: 180, acquired: false, now: "T9", leaseDurationSeconds: 15 });
  assert.deepEqual(again.spec, { holderIdentity: "m1", leaseDurationSeconds: 15, acquireTime: "T9", renewTime: "T9", leaseTransitions: 4 });

  const empty = nextLease(lease({}), { identity: "m1", epoch: 5, acquired: true, now: "T1", leaseDurationSeconds: 10 });
  assert.deepEqual(empty.spec, { holderIdentity: "m1", leaseDurationSeconds: 10, acquireTime: "T1", renewTime: "T1", leaseTransitions: 0 });
});
