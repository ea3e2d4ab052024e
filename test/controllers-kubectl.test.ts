// Deployments end to end: the real kubectl (v1.32) against a real `gantry master`, whose leader
// runs the Deployment and ReplicaSet controllers and the garbage collector.
//
// No agent runs here, so pods never start. Where a step needs ready pods, the test plays the
// agent: it writes `Ready=True` into each new pod's status through the pods/status subresource,
// which is what an agent's status report does.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { ApiClient } from "./helpers/api-client";
import type { Kubectl } from "./helpers/kubectl";
import { startKubectlSession, type KubectlSession } from "./helpers/kubectl-session";
import { waitFor } from "./helpers/wait";

let session: KubectlSession;
let kubectl: Kubectl;
let api: ApiClient;

before(async () => {
  session = await startKubectlSession();
  ({ kubectl, api } = session);
});

after(() => session?.stop());

interface Obj {
  metadata: { name: string; uid: string; resourceVersion: string; generation?: number; labels?: Record<string, string>; annotations?: Record<string, string>; ownerReferences?: { kind: string; name: string; uid: string; controller?: boolean; blockOwnerDeletion?: boolean }[]; deletionTimestamp?: string };
  spec: Record<string, unknown> & { replicas?: number; template?: { spec: { containers: { name: string; image: string }[] } } };
  status?: Record<string, unknown> & { conditions?: { type: string; status: string; reason?: string }[] };
}

const NS = "/api/v1/namespaces/default";
const APPS = "/apis/apps/v1/namespaces/default";

async function getJson<T>(path: string): Promise<T> {
  const r = await api.request("GET", path);
  if (r.status !== 200) throw new Error(`GET ${path}: ${r.status} ${r.body}`);
  return r.json<T>();
}

const listOf = async (path: string) => (await getJson<{ items: Obj[]; metadata: { resourceVersion: string } }>(path));
const pods = async (app: string) => (await listOf(`${NS}/pods?labelSelector=app%3D${app}`)).items.filter((p) => !p.metadata.deletionTimestamp);
const replicaSets = async (app: string) => (await listOf(`${APPS}/replicasets?labelSelector=app%3D${app}`)).items;
const deploymentOf = (name: string) => getJson<Obj>(`${APPS}/deployments/${name}`);
const isReady = (p: Obj) => (p.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");


/** Plays the agent: every pod of `app` that is not ready gets Ready=True (via pods/status). */
function readinessSimulator(app: string): { stop(): Promise<void> } {
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      for (const p of await pods(app).catch(() => [] as Obj[])) {
        if (isReady(p)) continue;
        const now = new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
        const conditions = [...(p.status?.conditions ?? []).filter((c) => c.type !== "Ready"), { type: "Ready", status: "True", lastTransitionTime: now }];
        // A 409 (someone else wrote the pod meanwhile) is simply retried on the next round.
        await api.request("PUT", `${NS}/pods/${p.metadata.name}/status`, { ...p, apiVersion: "v1", kind: "Pod", status: { ...p.status, phase: "Running", conditions } });
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
    },
  };
}

describe("kubectl drives Deployments through the controllers", () => {
  let firstRS: Obj;

  test("create deployment makes a ReplicaSet and 3 pods, owned and labelled with pod-template-hash", async () => {
    assert.match(await kubectl.ok(["create", "deployment", "web", "--image=nginx", "--replicas=3"]), /deployment.apps\/web created/);
    const d = await deploymentOf("web");
    const [rs] = await waitFor("a ReplicaSet", async () => ((await replicaSets("web")).length === 1 ? replicaSets("web") : undefined));
    const hash = rs.metadata.labels!["pod-template-hash"];
    assert.match(hash, /^[bcdfghjklmnpqrstvwxz2456789]+$/);
    assert.equal(rs.metadata.name, `web-${hash}`);
    assert.deepEqual(rs.metadata.ownerReferences, [{ apiVersion: "apps/v1", kind: "Deployment", name: "web", uid: d.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    assert.equal(rs.metadata.annotations!["deployment.kubernetes.io/revision"], "1");
    const ps = await waitFor("3 pods", async () => ((await pods("web")).length === 3 ? pods("web") : undefined));
    for (const p of ps) {
      assert.equal(p.metadata.labels!["pod-template-hash"], hash);
      assert.deepEqual(p.metadata.ownerReferences, [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: rs.metadata.name, uid: rs.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    }
    const got = await kubectl.ok(["get", "rs"]);
    assert.match(got, new RegExp(`web-${hash}\\s+3\\s+3\\s+0`));
    firstRS = rs;
  });

  test("scale to 5, roll out a new image, never below replicas - maxUnavailable available; rollout status completes", async () => {
    const agent = readinessSimulator("web");
    try {
      assert.match(await kubectl.ok(["scale", "deploy/web", "--replicas=5"]), /deployment.apps\/web scaled/);
      await waitFor("5 available", async () => (await deploymentOf("web")).status?.availableReplicas === 5);
      assert.match(await kubectl.ok(["rollout", "status", "deploy/web", "--timeout=60s"]), /successfully rolled out/);

      // Watch every pod from here on: replicas 5, maxUnavailable 25% -> 1, maxSurge 25% -> 2.
      const start = (await listOf(`${NS}/pods?labelSelector=app%3Dweb`)).metadata.resourceVersion;
      const live = new Map<string, boolean>();
      let minReady = Infinity;
      let maxPods = 0;
      let seen = 0;
      let done = false;
      const watching = api.watch(`${NS}/pods?watch=true&allowWatchBookmarks=true&labelSelector=app%3Dweb&resourceVersion=${start}`, (events) => {
        for (; seen < events.length; seen++) {
          const { type, object } = events[seen] as unknown as { type: string; object: Obj };
          if (type === "BOOKMARK") continue;
          if (type === "DELETED" || object.metadata.deletionTimestamp) live.delete(object.metadata.name);
          else live.set(object.metadata.name, isReady(object));
          maxPods = Math.max(maxPods, live.size);
          minReady = Math.min(minReady, [...live.values()].filter(Boolean).length);
        }
        return done;
      }, 180_000);
      for (const p of await pods("web")) live.set(p.metadata.name, isReady(p));

      assert.match(await kubectl.ok(["set", "image", "deploy/web", "nginx=nginx:2"]), /deployment.apps\/web image updated/);
      const out = await kubectl.ok(["rollout", "status", "deploy/web", "--timeout=120s"]);
      assert.match(out, /deployment "web" successfully rolled out/);
      done = true;
      // One more event so the watch callback runs and sees `done`.
      await api.request("PATCH", `${NS}/pods/${(await pods("web"))[0].metadata.name}`, { metadata: { labels: { probe: "1" } } }, { "Content-Type": "application/merge-patch+json" });
      await watching;
      assert.ok(minReady >= 4, `only ${minReady} pods were ready at one point`);
      assert.ok(maxPods <= 7, `${maxPods} pods at once exceed replicas + maxSurge`);
      assert.ok(seen > 10, "the watch saw the rollout");
    } finally {
      await agent.stop();
    }
    const d = await deploymentOf("web");
    assert.equal(d.metadata.annotations!["deployment.kubernetes.io/revision"], "2");
    assert.equal(d.status!.observedGeneration, d.metadata.generation);
    assert.deepEqual([d.status!.replicas, d.status!.updatedReplicas, d.status!.readyReplicas, d.status!.availableReplicas], [5, 5, 5, 5]);
    const rss = await replicaSets("web");
    assert.equal(rss.length, 2);
    const old = rss.find((r) => r.metadata.name === firstRS.metadata.name)!;
    assert.equal(old.spec.replicas, 0);
    const events = await kubectl.ok(["get", "events", "--field-selector", "involvedObject.kind=Deployment"]);
    assert.match(events, /ScalingReplicaSet\s+deployment\/web\s+Scaled up replica set web-\S+ from 0 to 2/);
    assert.match(events, new RegExp(`Scaled down replica set ${firstRS.metadata.name} from 5 to 4`));
  });

  test("rollout history lists the revisions; rollout undo brings the old template back as revision 3", async () => {
    const history = await kubectl.ok(["rollout", "history", "deploy/web"]);
    assert.match(history, /REVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+<none>/);
    const agent = readinessSimulator("web");
    try {
      assert.match(await kubectl.ok(["rollout", "undo", "deploy/web"]), /deployment.apps\/web rolled back/);
      assert.match(await kubectl.ok(["rollout", "status", "deploy/web", "--timeout=120s"]), /successfully rolled out/);
    } finally {
      await agent.stop();
    }
    const d = await deploymentOf("web");
    assert.equal(d.spec.template!.spec.containers[0].image, "nginx");
    assert.equal(d.metadata.annotations!["deployment.kubernetes.io/revision"], "3");
    const all = await replicaSets("web");
    const seen = JSON.stringify(all.map((r) => [r.metadata.name, r.metadata.annotations, r.spec.replicas, r.spec.template]), null, 1);
    assert.equal(all.length, 2, `a template seen before got a new ReplicaSet: ${seen}\ndeployment template ${JSON.stringify(d.spec.template)}`);
    const back = all.find((r) => r.metadata.name === firstRS.metadata.name)!;
    assert.equal(back.metadata.uid, firstRS.metadata.uid, "the old ReplicaSet is reused, not recreated");
    assert.equal(back.metadata.annotations!["deployment.kubernetes.io/revision"], "3");
    assert.equal(back.spec.replicas, 5);
    assert.match(await kubectl.ok(["rollout", "history", "deploy/web"]), /REVISION\s+CHANGE-CAUSE\n2\s+<none>\n3\s+<none>/);
  });

  test("delete deploy/web cascades to its ReplicaSets and pods", async () => {
    assert.match(await kubectl.ok(["delete", "deploy/web"]), /deployment.apps "web" deleted/);
    await waitFor("ReplicaSets and pods gone", async () => (await replicaSets("web")).length === 0 && (await listOf(`${NS}/pods?labelSelector=app%3Dweb`)).items.length === 0);
  });

  test("delete --cascade=orphan keeps the ReplicaSet (and its pods) with the owner reference removed", async () => {
    await kubectl.ok(["create", "deployment", "keep", "--image=nginx", "--replicas=2"]);
    await waitFor("2 pods", async () => (await pods("keep")).length === 2);
    assert.match(await kubectl.ok(["delete", "deploy/keep", "--cascade=orphan"]), /deployment.apps "keep" deleted/);
    assert.equal((await api.request("GET", `${APPS}/deployments/keep`)).status, 404);
    const [rs] = await replicaSets("keep");
    assert.equal(rs.metadata.ownerReferences, undefined);
    const ps = await pods("keep");
    assert.equal(ps.length, 2);
    assert.ok(ps.every((p) => p.metadata.ownerReferences?.[0]?.uid === rs.metadata.uid));
    // Now on its own, the ReplicaSet scales through replicasets/scale like any other.
    assert.match(await kubectl.ok(["scale", "rs", rs.metadata.name, "--replicas=3"]), /scaled/);
    await waitFor("3 pods", async () => (await pods("keep")).length === 3);
    await kubectl.ok(["delete", "rs", rs.metadata.name]);
    await waitFor("orphaned ReplicaSet's pods collected", async () => (await listOf(`${NS}/pods?labelSelector=app%3Dkeep`)).items.length === 0);
  });

  test("delete --cascade=foreground removes pods, then the ReplicaSet, then the Deployment", async () => {
    await kubectl.ok(["create", "deployment", "fg", "--image=nginx", "--replicas=2"]);
    await waitFor("2 pods", async () => (await pods("fg")).length === 2);
    const deletions = (path: string, count: number) =>
      listOf(path).then((l) =>
        api.watch(`${path}${path.includes("?") ? "&" : "?"}watch=true&resourceVersion=${l.metadata.resourceVersion}`, (evs) => evs.filter((e) => e.type === "DELETED").length >= count, 60_000),
      );
    const watches = [deletions(`${NS}/pods?labelSelector=app%3Dfg`, 2), deletions(`${APPS}/replicasets?labelSelector=app%3Dfg`, 1), deletions(`${APPS}/deployments?fieldSelector=metadata.name%3Dfg`, 1)];
    assert.match(await kubectl.ok(["delete", "deploy/fg", "--cascade=foreground"]), /deployment.apps "fg" deleted/);
    const [podEvents, rsEvents, dEvents] = await Promise.all(watches);
    const revisionsOf = (evs: { type: string; object: Record<string, unknown> }[]) => evs.filter((e) => e.type === "DELETED").map((e) => Number((e.object as unknown as Obj).metadata.resourceVersion));
    const [p, r, d] = [revisionsOf(podEvents), revisionsOf(rsEvents), revisionsOf(dEvents)];
    assert.deepEqual([p.length, r.length, d.length], [2, 1, 1]);
    assert.ok(Math.max(...p) < r[0], "a pod was deleted after its ReplicaSet");
    assert.ok(r[0] < d[0], "the ReplicaSet was deleted after its Deployment");
    // While it waited, the Deployment carried the foregroundDeletion finalizer.
    const marked = dEvents.find((e) => e.type === "MODIFIED" && (e.object as unknown as Obj).metadata.deletionTimestamp);
    assert.deepEqual((marked?.object as { metadata: { finalizers?: string[] } } | undefined)?.metadata.finalizers, ["foregroundDeletion"]);
  });
});
