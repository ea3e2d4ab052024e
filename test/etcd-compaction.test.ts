// The leader compacts etcd every --etcd-compaction-interval (1 s here), keeping one interval of
// history, as kube-apiserver does every 5 minutes. Against a real master and the real kubectl:
// reads from compacted history get 410 Expired with Kubernetes' messages, while current reads,
// live watches and the informer-based controllers carry on.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { startKubectlSession, type KubectlSession } from "./helpers/kubectl-session";
import { waitFor } from "./helpers/wait";

let session: KubectlSession;

before(async () => {
  session = await startKubectlSession({ args: ["--etcd-compaction-interval", "1s"] });
});

after(async () => {
  await session?.stop();
});

const CMS = "/api/v1/namespaces/default/configmaps";
const cm = (name: string) => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name }, data: { k: name } });

interface Status {
  kind: string;
  code: number;
  reason: string;
  message: string;
}

/**
 * kubectl get -w: once it has listed (printed `listed`), runs `change` (once), then waits for
 * `wanted`. With history kept for one second, kubectl's watch can start below the compaction
 * when its list and watch are more than a second apart on a busy machine; kubectl then exits
 * with the 410 and, like any client, lists and watches again.
 */
async function kubectlWatch(args: string[], listed: string, change: () => Promise<unknown>, wanted: string): Promise<string> {
  let changed = false;
  for (let attempt = 1; ; attempt++) {
    const child = session.kubectl.spawn(args);
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    const exited = new Promise<false>((resolve) => child.once("exit", () => resolve(false)));
    const seen = (text: string) => Promise.race([waitFor(`kubectl to print ${text}`, () => out.includes(text), 20_000).then(() => true), exited]);
    try {
      if (await seen(listed)) {
        if (!changed) {
          changed = true;
          await change();
        }
        if (await seen(wanted)) return out;
      }
      if (attempt < 3 && /too old resource version|Expired/.test(err)) continue;
      throw new Error(`kubectl ${args.join(" ")} exited before printing ${wanted}:\n${out}${err}`);
    } catch (e) {
      throw new Error(`${String(e)}; kubectl printed:\n${out}${err}`);
    } finally {
      child.kill();
    }
  }
}

/** Waits until a list at `rv` (Exact) is refused: the leader has compacted past it. */
async function compactedPast(rv: string): Promise<Status> {
  return waitFor(`a compaction past revision ${rv}`, async () => {
    const r = await session.api.request("GET", `${CMS}?resourceVersion=${rv}&resourceVersionMatch=Exact`);
    return r.status === 410 ? r.json<Status>() : undefined;
  }, 20_000, 200);
}

test("history older than one interval is compacted away: old lists, continue tokens and watches get 410 Expired; live watches go on", { timeout: 120_000 }, async () => {
  const { api, kubectl } = session;
  const first = (await api.request("POST", CMS, cm("c0"))).json<{ metadata: { resourceVersion: string } }>();
  await api.request("POST", CMS, cm("c1"));
  const page = (await api.request("GET", `${CMS}?limit=1`)).json<{ metadata: { continue: string; resourceVersion: string } }>();
  assert.ok(page.metadata.continue);
  // A watch opened now follows along; compaction must not disturb it.
  const live = api.watch(`${CMS}?watch=true&resourceVersion=${page.metadata.resourceVersion}`, (evs) => evs.some((e) => (e.object.metadata as { name?: string })?.name === "after"), 60_000);

  const exact = await compactedPast(first.metadata.resourceVersion);
  assert.deepEqual({ kind: exact.kind, code: exact.code, reason: exact.reason, message: exact.message }, { kind: "Status", code: 410, reason: "Expired", message: "The resourceVersion for the provided list is too old." });
  // A paged list with a resourceVersion and no match is an exact read too (kube-apiserver's legacy rule).
  const legacy = await api.request("GET", `${CMS}?limit=500&resourceVersion=${first.metadata.resourceVersion}`);
  assert.equal(legacy.status, 410);
  assert.equal(legacy.json<Status>().reason, "Expired");
  // NotOlderThan is met by the current state (beside them, every namespace's kube-root-ca.crt).
  const notOlder = await api.request("GET", `${CMS}?resourceVersion=${first.metadata.resourceVersion}&resourceVersionMatch=NotOlderThan`);
  assert.equal(notOlder.status, 200, notOlder.body);
  assert.deepEqual(notOlder.json<{ items: { metadata: { name: string } }[] }>().items.map((i) => i.metadata.name).filter((n) => n !== "kube-root-ca.crt"), ["c0", "c1"]);
  const cont = await api.request("GET", `${CMS}?limit=1&continue=${encodeURIComponent(page.metadata.continue)}`);
  assert.equal(cont.status, 410);
  assert.equal(cont.json<Status>().message, "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.");

  // The real kubectl: a watch from resourceVersion 1 is one ERROR event carrying a 410 Status...
  const watched = await kubectl.ok(["get", "--raw", `${CMS}?watch=true&resourceVersion=1`]);
  const lines = watched.trim().split("\n").map((l) => JSON.parse(l) as { type: string; object: Status });
  assert.equal(lines.length, 1, watched);
  assert.equal(lines[0].type, "ERROR");
  assert.equal(lines[0].object.code, 410);
  assert.equal(lines[0].object.reason, "Expired");
  assert.match(lines[0].object.message, /^too old resource version: 1 \(\d+\)$/);
  // ...and an exact list at it is refused with Kubernetes' words.
  const listed = await kubectl.run(["get", "--raw", `${CMS}?resourceVersion=1&resourceVersionMatch=Exact`]);
  assert.notEqual(listed.code, 0);
  assert.match(listed.stderr, /Error from server \(Expired\): The resourceVersion for the provided list is too old\./);

  // Watches that follow the present work: the one opened before, and a new kubectl get -w.
  const printed = await kubectlWatch(["get", "configmaps", "--watch", "--output-watch-events", "-o", "name"], "configmap/c1", () => api.request("POST", CMS, cm("after")), "configmap/after");
  assert.match(printed, /configmap\/c1\n(.*\n)*configmap\/after\n/);
  const events = await live;
  assert.ok(events.every((e) => e.type !== "ERROR"), JSON.stringify(events));
  assert.ok(events.some((e) => e.type === "ADDED" && (e.object.metadata as { name: string }).name === "after"));
});

test("the controllers keep converging across compactions: a deployment scaled after several of them", { timeout: 120_000 }, async () => {
  const { api, kubectl } = session;
  await kubectl.ok(["create", "deployment", "web", "--image=127.0.0.1:5000/gantry/web:1", "--replicas=1"]);
  const pods = async () => (await api.request("GET", "/api/v1/namespaces/default/pods?labelSelector=app%3Dweb")).json<{ items: { metadata: { deletionTimestamp?: string } }[] }>().items.filter((p) => !p.metadata.deletionTimestamp).length;
  await waitFor("1 pod", async () => (await pods()) === 1, 30_000);
  const created = (await api.request("GET", "/apis/apps/v1/namespaces/default/deployments/web")).json<{ metadata: { resourceVersion: string } }>();
  await compactedPast(created.metadata.resourceVersion);
  await new Promise((r) => setTimeout(r, 3000)); // a few more compactions

  await kubectl.ok(["scale", "deployment/web", "--replicas=3"]);
  await waitFor("3 pods", async () => (await pods()) === 3, 30_000);
  await waitFor("the deployment to report 3 replicas", async () => (await api.request("GET", "/apis/apps/v1/namespaces/default/deployments/web")).json<{ status?: { replicas?: number } }>().status?.replicas === 3, 30_000);
  await kubectl.ok(["scale", "deployment/web", "--replicas=1"]);
  await waitFor("1 pod again", async () => (await pods()) === 1, 30_000);
  assert.doesNotMatch(session.master.output(), /compaction tick failed/);
});
