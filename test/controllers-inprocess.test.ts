// The ReplicaSet and Deployment controllers and the garbage collector, in this process, against
// a real etcd through the same ApiContext the master uses. No agent runs here, so pods never
// start: where a test needs ready pods it writes `Ready=True` through the pods/status rules,
// exactly what an agent's status report would write. The clock is injected, so
// minReadySeconds and progress deadlines are tested by moving it instead of sleeping.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { KubeObject } from "../api/object";
import { findResource } from "../api/resources";
import type { ApiContext } from "../master/registry/context";
import { DeploymentController } from "../master/controllers/deployment";
import { GarbageCollector } from "../master/controllers/gc";
import { ReplicaSetController } from "../master/controllers/replicaset";
import { startInProcessApi, type InProcessApi } from "./helpers/in-process";
import { waitFor } from "./helpers/wait";

const R = {
  namespaces: findResource("", "v1", "namespaces")!,
  pods: findResource("", "v1", "pods")!,
  events: findResource("", "v1", "events")!,
  rs: findResource("apps", "v1", "replicasets")!,
  deploy: findResource("apps", "v1", "deployments")!,
  ds: findResource("apps", "v1", "daemonsets")!,
  jobs: findResource("batch", "v1", "jobs")!,
  cronjobs: findResource("batch", "v1", "cronjobs")!,
  cm: findResource("", "v1", "configmaps")!,
};

/** A clock the tests move by hand; starts at the real time so timestamps look normal. */
const clock = { t: Date.now(), now: () => new Date(clock.t), advance: (s: number) => (clock.t += s * 1000) };

let api: InProcessApi;
let ctx: ApiContext;
let rsc: ReplicaSetController;
let dc: DeploymentController;
let gc: GarbageCollector;
const client = (r: (typeof R)[keyof typeof R]) => api.client(r);
const namespace = () => api.namespace();

before(async () => {
  api = await startInProcessApi({
    now: () => clock.now(),
    namespacePrefix: "t",
    components: (c) => {
      rsc = new ReplicaSetController(c, { resyncMs: 2000 });
      dc = new DeploymentController(c, { resyncMs: 2000 });
      gc = new GarbageCollector(c, { resyncMs: 2000 });
      // One test replaces the collector: stop whichever is current.
      return [rsc, dc, { start: () => gc.start(), stop: () => gc.stop() }];
    },
  });
  ctx = api.ctx;
});

after(() => api?.stop());


const list = (r: (typeof R)[keyof typeof R], ns: string) => client(r).list(ns);
const activePods = async (ns: string) => (await list(R.pods, ns)).filter((p) => !p.metadata.deletionTimestamp);
const stamp = () => `${clock.now().toISOString().slice(0, 19)}Z`;

/** What the agent would report for a pod whose containers pass their readiness probes. */
async function markReady(pod: KubeObject): Promise<void> {
  await client(R.pods).update(pod.metadata.namespace, pod.metadata.name!, (p) => ({
    ...p,
    status: { ...(p.status as object), phase: "Running", conditions: [{ type: "Ready", status: "True", lastTransitionTime: stamp() }] },
  }), { statusOnly: true });
}

async function markAllReady(ns: string): Promise<number> {
  let n = 0;
  for (const p of await activePods(ns)) {
    const ready = ((p.status as { conditions?: { type: string; status: string }[] }).conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");
    if (!ready) {
      await markReady(p);
      n++;
    }
  }
  return n;
}

const podTemplate = (labels: Record<string, string>, image = "nginx:1") => ({ metadata: { labels }, spec: { containers: [{ name: "web", image }] } });

function replicaSet(ns: string, name: string, replicas: number, extra: Record<string, unknown> = {}): KubeObject {
  return { apiVersion: "apps/v1", kind: "ReplicaSet", metadata: { name, namespace: ns }, spec: { replicas, selector: { matchLabels: { app: name } }, template: podTemplate({ app: name }), ...extra } };
}

function deployment(ns: string, name: string, replicas: number, spec: Record<string, unknown> = {}): KubeObject {
  return { apiVersion: "apps/v1", kind: "Deployment", metadata: { name, namespace: ns }, spec: { replicas, selector: { matchLabels: { app: name } }, template: podTemplate({ app: name }), ...spec } };
}

const status = <T = Record<string, number>>(o: KubeObject) => (o.status ?? {}) as T;

describe("ReplicaSet controller", () => {
  test("creates the missing pods with controller references and records events", async () => {
    const ns = await namespace();
    const rs = await client(R.rs).create(replicaSet(ns, "web", 3));
    const pods = await waitFor("3 pods", async () => ((await activePods(ns)).length === 3 ? activePods(ns) : undefined));
    for (const p of pods) {
      assert.match(p.metadata.name!, /^web-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
      assert.deepEqual(p.metadata.ownerReferences, [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "web", uid: rs.metadata.uid, controller: true, blockOwnerDeletion: true }]);
      assert.deepEqual(p.metadata.labels, { app: "web" });
    }
    const st = await waitFor("status.replicas 3", async () => {
      const cur = await client(R.rs).get(ns, "web");
      return status(cur).replicas === 3 && status(cur).observedGeneration === 1 ? status(cur) : undefined;
    });
    assert.deepEqual(st, { replicas: 3, fullyLabeledReplicas: 3, observedGeneration: 1 });
    const events = await waitFor("events", async () => {
      const evs = (await list(R.events, ns)).filter((e) => e.reason === "SuccessfulCreate");
      return evs.length === 3 ? evs : undefined;
    });
    assert.deepEqual(events.map((e) => e.message).sort(), pods.map((p) => `Created pod: ${p.metadata.name}`).sort());
    // Nothing more is created however often it syncs.
    await rsc.sync(`${ns}/web`);
    await rsc.idle();
    assert.equal((await activePods(ns)).length, 3);
  });

  test("readiness and availability follow pod status; minReadySeconds counts on the injected clock", async () => {
    const ns = await namespace();
    await client(R.rs).create(replicaSet(ns, "web", 2, { minReadySeconds: 30 }));
    await waitFor("2 pods", async () => (await activePods(ns)).length === 2);
    await markAllReady(ns);
    const ready = await waitFor("ready 2", async () => {
      const s = status(await client(R.rs).get(ns, "web"));
      return s.readyReplicas === 2 ? s : undefined;
    });
    assert.equal(ready.availableReplicas, undefined);
    clock.advance(31);
    await rsc.sync(`${ns}/web`);
    assert.equal(status(await client(R.rs).get(ns, "web")).availableReplicas, 2);
  });

  test("scale down removes not-ready pods before ready ones", async () => {
    const ns = await namespace();
    await client(R.rs).create(replicaSet(ns, "web", 4));
    const pods = await waitFor("4 pods", async () => ((await activePods(ns)).length === 4 ? activePods(ns) : undefined));
    await markReady(pods[0]);
    await markReady(pods[1]);
    await waitFor("2 ready", async () => status(await client(R.rs).get(ns, "web")).readyReplicas === 2);
    await client(R.rs).update(ns, "web", (o) => ({ ...o, spec: { ...(o.spec as object), replicas: 2 } }));
    const left = await waitFor("2 pods left", async () => ((await activePods(ns)).length === 2 ? activePods(ns) : undefined));
    assert.deepEqual(left.map((p) => p.metadata.name).sort(), [pods[0].metadata.name, pods[1].metadata.name].sort());
    const deleted = await waitFor("delete events", async () => {
      const evs = (await list(R.events, ns)).filter((e) => e.reason === "SuccessfulDelete");
      return evs.length === 2 ? evs : undefined;
    });
    assert.deepEqual(deleted.map((e) => e.message).sort(), [pods[2], pods[3]].map((p) => `Deleted pod: ${p.metadata.name}`).sort());
  });

  test("adopts matching orphans and releases pods whose labels stop matching", async () => {
    const ns = await namespace();
    const orphan = await client(R.pods).create({ apiVersion: "v1", kind: "Pod", metadata: { name: "stray", namespace: ns, labels: { app: "web" } }, spec: { containers: [{ name: "c", image: "nginx" }] } });
    const rs = await client(R.rs).create(replicaSet(ns, "web", 2));
    await waitFor("adoption", async () => (await client(R.pods).get(ns, "stray")).metadata.ownerReferences?.[0]?.uid === rs.metadata.uid);
    await waitFor("2 pods", async () => (await activePods(ns)).length === 2);
    assert.equal(orphan.metadata.ownerReferences, undefined);
    // Relabel the adopted pod: released (ownerReferences removed) and replaced.
    await client(R.pods).update(ns, "stray", (p) => ({ ...p, metadata: { ...p.metadata, labels: { app: "other" } } }));
    await waitFor("release", async () => (await client(R.pods).get(ns, "stray")).metadata.ownerReferences === undefined);
    await waitFor("replacement", async () => (await activePods(ns)).filter((p) => p.metadata.labels?.app === "web").length === 2);
  });
});

describe("Deployment controller", () => {
  const rsOf = async (ns: string) => (await list(R.rs, ns)).sort((a, b) => Number(a.metadata.annotations?.["deployment.kubernetes.io/revision"]) - Number(b.metadata.annotations?.["deployment.kubernetes.io/revision"]));

  test("rolls out, then rolls a new template without dropping below minimum availability, then rolls back", async () => {
    const ns = await namespace();
    await client(R.deploy).create(deployment(ns, "web", 4, { strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 1 } } }));
    await waitFor("4 pods", async () => (await activePods(ns)).length === 4);
    const [rs1] = await rsOf(ns);
    const hash = rs1.metadata.labels!["pod-template-hash"];
    assert.equal(rs1.metadata.name, `web-${hash}`);
    assert.equal(rs1.metadata.annotations!["deployment.kubernetes.io/revision"], "1");
    for (const p of await activePods(ns)) assert.equal(p.metadata.labels!["pod-template-hash"], hash);
    await markAllReady(ns);
    const done = await waitFor("rollout 1 complete", async () => {
      const d = await client(R.deploy).get(ns, "web");
      return status(d).availableReplicas === 4 && status(d).updatedReplicas === 4 ? d : undefined;
    });
    // The controller's own bookkeeping (revision annotation, status) does not move generation.
    assert.equal(done.metadata.generation, 1);
    assert.equal(status(done).observedGeneration, 1);
    assert.equal(done.metadata.annotations!["deployment.kubernetes.io/revision"], "1");
    const conds = status<{ conditions: { type: string; reason: string }[] }>(done).conditions;
    assert.deepEqual(conds.map((c) => [c.type, c.reason]).sort(), [["Available", "MinimumReplicasAvailable"], ["Progressing", "NewReplicaSetAvailable"]]);

    // New template: step by step, marking new pods ready as they appear.
    await client(R.deploy).update(ns, "web", (d) => {
      const spec = structuredClone(d.spec) as { template: { spec: { containers: { image: string }[] } } };
      spec.template.spec.containers[0].image = "nginx:2";
      return { ...d, metadata: { ...d.metadata, annotations: { ...d.metadata.annotations, "kubernetes.io/change-cause": "image 2" } }, spec };
    });
    let minAvailable = Infinity;
    let maxPods = 0;
    await waitFor("rollout 2 complete", async () => {
      const pods = await activePods(ns);
      maxPods = Math.max(maxPods, pods.length);
      const ready = pods.filter((p) => ((p.status as { conditions?: { type: string; status: string }[] }).conditions ?? []).some((c) => c.type === "Ready" && c.status === "True"));
      minAvailable = Math.min(minAvailable, ready.length);
      await markAllReady(ns);
      const d = await client(R.deploy).get(ns, "web");
      const s = status(d);
      return s.observedGeneration === d.metadata.generation && s.updatedReplicas === 4 && s.replicas === 4 && s.availableReplicas === 4;
    }, 30_000);
    assert.ok(minAvailable >= 3, `available dropped to ${minAvailable}`);
    assert.ok(maxPods <= 5, `${maxPods} pods exceed replicas + maxSurge`);
    const [old, rs2] = await rsOf(ns);
    assert.equal(old.metadata.name, rs1.metadata.name);
    assert.equal((old.spec as { replicas: number }).replicas, 0);
    assert.equal(rs2.metadata.annotations!["deployment.kubernetes.io/revision"], "2");
    assert.equal(rs2.metadata.annotations!["kubernetes.io/change-cause"], "image 2");
    assert.equal((await client(R.deploy).get(ns, "web")).metadata.annotations!["deployment.kubernetes.io/revision"], "2");

    // What `kubectl rollout undo` does: put the old ReplicaSet's template back.
    await client(R.deploy).update(ns, "web", (d) => {
      const template = structuredClone((old.spec as { template: { metadata: { labels: Record<string, string> } } }).template);
      delete template.metadata.labels["pod-template-hash"];
      return { ...d, spec: { ...(d.spec as object), template } };
    });
    await waitFor("rolled back", async () => {
      await markAllReady(ns);
      const rss = await rsOf(ns);
      const back = rss.find((r) => r.metadata.name === rs1.metadata.name)!;
      return (back.spec as { replicas: number }).replicas === 4 && back.metadata.annotations!["deployment.kubernetes.io/revision"] === "3";
    }, 30_000);
    const back = (await client(R.rs).get(ns, rs1.metadata.name!)).metadata.annotations!;
    assert.equal(back["deployment.kubernetes.io/revision-history"], "1");
    assert.equal((await list(R.rs, ns)).length, 2, "no third ReplicaSet for a template seen before");
    assert.equal((await client(R.deploy).get(ns, "web")).metadata.annotations!["deployment.kubernetes.io/revision"], "3");
  });

  test("Recreate scales the old ReplicaSet to zero before creating the new one", async () => {
    const ns = await namespace();
    await client(R.deploy).create(deployment(ns, "web", 2, { strategy: { type: "Recreate" } }));
    await waitFor("2 pods", async () => (await activePods(ns)).length === 2);
    const seen: number[] = [];
    await client(R.deploy).update(ns, "web", (d) => {
      const spec = structuredClone(d.spec) as { template: { spec: { containers: { image: string }[] } } };
      spec.template.spec.containers[0].image = "nginx:2";
      return { ...d, spec };
    });
    await waitFor("new pods", async () => {
      const pods = await list(R.pods, ns);
      seen.push(new Set(pods.map((p) => p.metadata.labels!["pod-template-hash"])).size);
      return pods.length === 2 && (await list(R.rs, ns)).length === 2 && pods.every((p) => (p.spec as { containers: { image: string }[] }).containers[0].image === "nginx:2");
    });
    assert.ok(seen.every((n) => n <= 1), "old and new pods existed at the same time");
  });

  test("a paused Deployment scales but does not roll out until resumed", async () => {
    const ns = await namespace();
    await client(R.deploy).create(deployment(ns, "web", 1, { paused: true }));
    // Paused from the start: no ReplicaSet at all, and the Progressing condition says why.
    await waitFor("paused condition", async () => status<{ conditions?: { reason: string }[] }>(await client(R.deploy).get(ns, "web")).conditions?.some((c) => c.reason === "DeploymentPaused"));
    assert.equal((await list(R.rs, ns)).length, 0);
    await client(R.deploy).update(ns, "web", (d) => ({ ...d, spec: { ...(d.spec as object), paused: false } }));
    await waitFor("1 pod", async () => (await activePods(ns)).length === 1);
    await client(R.deploy).update(ns, "web", (d) => {
      const spec = structuredClone(d.spec) as { paused: boolean; replicas: number; template: { spec: { containers: { image: string }[] } } };
      spec.paused = true;
      spec.replicas = 3;
      spec.template.spec.containers[0].image = "nginx:2";
      return { ...d, spec };
    });
    await waitFor("scaled to 3", async () => (await activePods(ns)).length === 3);
    assert.equal((await list(R.rs, ns)).length, 1, "a paused Deployment rolled out");
  });

  test("no progress within progressDeadlineSeconds sets ProgressDeadlineExceeded", async () => {
    const ns = await namespace();
    await client(R.deploy).create(deployment(ns, "web", 1, { progressDeadlineSeconds: 60 }));
    // Let the rollout reach its stuck state first (pod created, counted, never ready): any
    // movement after the clock jumps would rightly restart the deadline.
    await waitFor("stuck rollout", async () => {
      const d = await client(R.deploy).get(ns, "web");
      const s = status<{ updatedReplicas?: number; observedGeneration?: number; conditions?: { type: string; reason: string }[] }>(d);
      return s.updatedReplicas === 1 && s.conditions?.some((c) => c.type === "Progressing" && c.reason === "ReplicaSetUpdated");
    });
    await rsc.idle();
    await dc.idle();
    clock.advance(61);
    await dc.sync(`${ns}/web`);
    const cond = await waitFor("deadline", async () =>
      status<{ conditions?: { type: string; status: string; reason: string }[] }>(await client(R.deploy).get(ns, "web")).conditions?.find((c) => c.type === "Progressing" && c.reason === "ProgressDeadlineExceeded"),
    );
    assert.equal(cond.status, "False");
  });
});

describe("garbage collector", () => {
  test("background: deleting a Deployment removes its ReplicaSet and pods", async () => {
    const ns = await namespace();
    await client(R.deploy).create(deployment(ns, "web", 2));
    await waitFor("2 pods", async () => (await activePods(ns)).length === 2);
    await client(R.deploy).delete(ns, "web", { propagationPolicy: "Background" });
    await waitFor("all gone", async () => (await list(R.rs, ns)).length === 0 && (await list(R.pods, ns)).length === 0);
  });

  test("orphan: the ReplicaSet stays, without its owner reference", async () => {
    const ns = await namespace();
    await client(R.deploy).create(deployment(ns, "web", 2));
    await waitFor("2 pods", async () => (await activePods(ns)).length === 2);
    await client(R.deploy).delete(ns, "web", { propagationPolicy: "Orphan" });
    await waitFor("deployment gone", async () => (await client(R.deploy).tryGet(ns, "web")) === undefined);
    const [rs] = await list(R.rs, ns);
    assert.equal(rs.metadata.ownerReferences, undefined);
    // The pods still belong to the ReplicaSet, which keeps them.
    const pods = await activePods(ns);
    assert.equal(pods.length, 2);
    assert.ok(pods.every((p) => p.metadata.ownerReferences?.[0]?.uid === rs.metadata.uid));
  });

  test("foreground: pods go first, then the ReplicaSet, then the Deployment", async () => {
    const ns = await namespace();
    await client(R.deploy).create(deployment(ns, "web", 2));
    await waitFor("2 pods", async () => (await activePods(ns)).length === 2);
    const deletedAt = new Map<string, number>();
    const watches = await Promise.all(
      (["pods", "rs", "deploy"] as const).map((k) =>
        ctx.storeFor(R[k]).watch(ns, { resourceVersion: "0" }, {
          event: (e) => {
            if (e.type === "DELETED") deletedAt.set(`${k}/${e.object.metadata.name}`, Number(e.object.metadata.resourceVersion));
          },
          error: () => {},
        }),
      ),
    );
    try {
      const marked = await client(R.deploy).delete(ns, "web", { propagationPolicy: "Foreground" });
      assert.equal(marked.deleted, false);
      assert.deepEqual(marked.object.metadata.finalizers, ["foregroundDeletion"]);
      // Three watch streams deliver at their own pace: wait for all of them, order by revision.
      const count = (prefix: string) => [...deletedAt.keys()].filter((k) => k.startsWith(prefix)).length;
      await waitFor("everything gone", async () => deletedAt.has("deploy/web") && count("rs/") === 1 && count("pods/") === 2, 20_000);
    } finally {
      await Promise.all(watches.map((w) => w.close()));
    }
    const pods = [...deletedAt].filter(([k]) => k.startsWith("pods/")).map(([, rv]) => rv);
    const rs = [...deletedAt].filter(([k]) => k.startsWith("rs/")).map(([, rv]) => rv);
    assert.equal(pods.length, 2);
    assert.equal(rs.length, 1);
    assert.ok(Math.max(...pods) < rs[0], "a pod outlived its ReplicaSet");
    assert.ok(rs[0] < deletedAt.get("deploy/web")!, "the ReplicaSet outlived its Deployment");
  });

  test("DaemonSet -> Pod, Job -> Pod and CronJob -> Job -> Pod chains are collected", async () => {
    const ns = await namespace();
    const tpl = (restartPolicy: string) => ({ metadata: { labels: { app: "x" } }, spec: { restartPolicy, containers: [{ name: "c", image: "busybox" }] } });
    const ds = await client(R.ds).create({ apiVersion: "apps/v1", kind: "DaemonSet", metadata: { name: "agent", namespace: ns }, spec: { selector: { matchLabels: { app: "x" } }, template: tpl("Always") } });
    const cj = await client(R.cronjobs).create({ apiVersion: "batch/v1", kind: "CronJob", metadata: { name: "nightly", namespace: ns }, spec: { schedule: "0 3 * * *", jobTemplate: { spec: { template: tpl("Never") } } } });
    const ownedBy = (o: KubeObject) => [{ apiVersion: o.apiVersion!, kind: o.kind!, name: o.metadata.name!, uid: o.metadata.uid!, controller: true, blockOwnerDeletion: true }];
    const job = await client(R.jobs).create({ apiVersion: "batch/v1", kind: "Job", metadata: { name: "nightly-1", namespace: ns, ownerReferences: ownedBy({ ...cj, apiVersion: "batch/v1", kind: "CronJob" }) }, spec: { template: tpl("Never") } });
    const pod = (name: string, owner: KubeObject) =>
      client(R.pods).create({ apiVersion: "v1", kind: "Pod", metadata: { name, namespace: ns, ownerReferences: ownedBy(owner) }, spec: { restartPolicy: "Never", containers: [{ name: "c", image: "busybox" }] } });
    await pod("ds-pod", { ...ds, apiVersion: "apps/v1", kind: "DaemonSet" });
    await pod("job-pod", { ...job, apiVersion: "batch/v1", kind: "Job" });
    await client(R.ds).delete(ns, "agent");
    await waitFor("ds pod gone", async () => (await client(R.pods).tryGet(ns, "ds-pod")) === undefined);
    assert.ok(await client(R.pods).tryGet(ns, "job-pod"), "a pod of another owner was collected");
    await client(R.cronjobs).delete(ns, "nightly");
    await waitFor("job and its pod gone", async () => (await client(R.jobs).tryGet(ns, "nightly-1")) === undefined && (await client(R.pods).tryGet(ns, "job-pod")) === undefined);
  });

  test("an owner recreated under the same name (new uid) does not keep old dependents; a solid owner does", async () => {
    const ns = await namespace();
    const first = await client(R.cm).create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "owner", namespace: ns } });
    const keep = await client(R.cm).create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "keeper", namespace: ns } });
    const ref = (o: KubeObject) => ({ apiVersion: "v1", kind: "ConfigMap", name: o.metadata.name!, uid: o.metadata.uid! });
    // Stop the collector while the scene is set up, so it sees only the final state.
    await gc.stop();
    await client(R.cm).delete(ns, "owner");
    await client(R.cm).create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "owner", namespace: ns } });
    await client(R.cm).create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "dep", namespace: ns, ownerReferences: [ref(first)] } });
    await client(R.cm).create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "shared", namespace: ns, ownerReferences: [ref(first), ref(keep)] } });
    gc = new GarbageCollector(ctx, { resyncMs: 2000 });
    await gc.start();
    await waitFor("dangling dependent deleted", async () => (await client(R.cm).tryGet(ns, "dep")) === undefined);
    const shared = await waitFor("dangling reference pruned", async () => {
      const s = await client(R.cm).get(ns, "shared");
      return s.metadata.ownerReferences?.length === 1 ? s : undefined;
    });
    assert.equal(shared.metadata.ownerReferences![0].uid, keep.metadata.uid);
  });
});
