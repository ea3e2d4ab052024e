// The API's Kubernetes semantics at the HTTP level, against a real master on real etcd:
// authentication, optimistic concurrency, compaction, size limits, and restart durability.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { startMaster, type MasterHandle } from "./helpers/master-process";
import { ApiClient } from "./helpers/api-client";
import { Kubectl } from "./helpers/kubectl";

let master: MasterHandle;
let api: ApiClient;

before(async () => {
  master = await startMaster();
  api = new ApiClient(master.kubeconfig);
});

after(async () => {
  api?.close();
  await master?.stop();
});

const cm = (name: string, data: Record<string, string> = { k: "v" }) => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name }, data });

describe("API semantics", () => {
  test("anonymous requests get 401; health and version stay public", async () => {
    const anon = new ApiClient(master.kubeconfig, { anonymous: true });
    try {
      const r = await anon.request("GET", "/api/v1/namespaces");
      assert.equal(r.status, 401);
      assert.equal(r.json().reason, "Unauthorized");
      assert.equal((await anon.request("GET", "/readyz")).status, 200);
    } finally {
      anon.close();
    }
    const bad = await api.request("GET", "/api/v1/namespaces", undefined, { Authorization: "Bearer not-a-token" });
    assert.equal(bad.status, 401);
  });

  test("create twice gives 409 AlreadyExists", async () => {
    assert.equal((await api.request("POST", "/api/v1/namespaces/default/configmaps", cm("dup"))).status, 201);
    const again = await api.request("POST", "/api/v1/namespaces/default/configmaps", cm("dup"));
    assert.equal(again.status, 409);
    assert.equal(again.json().reason, "AlreadyExists");
    assert.equal(again.json().message, 'configmaps "dup" already exists');
  });

  test("a burst of concurrent creates (batched into shared etcd transactions): one 201 per name, a 409 naming each duplicate, and every object watched and updatable at its resourceVersion", async () => {
    assert.equal((await api.request("POST", "/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: "burst" } })).status, 201);
    const start = (await api.request("GET", "/api/v1/namespaces/burst/configmaps")).json<{ metadata: { resourceVersion: string } }>().metadata.resourceVersion;
    const names = Array.from({ length: 40 }, (_, i) => `b-${i}`);
    const watching = api.watch(`/api/v1/namespaces/burst/configmaps?watch=true&resourceVersion=${start}`, (ev) => ev.length >= names.length, 15_000);
    // Each name twice, all at once: exactly one of each pair is created.
    const answers = await Promise.all([...names, ...names].map((n) => api.request("POST", "/api/v1/namespaces/burst/configmaps", cm(n, { n }))));
    type Created = { metadata: { name: string; resourceVersion: string } };
    const created = new Map<string, string>();
    for (const a of answers) {
      if (a.status === 201) {
        const o = a.json<Created>();
        assert.ok(!created.has(o.metadata.name), `${o.metadata.name} created twice`);
        created.set(o.metadata.name, o.metadata.resourceVersion);
        continue;
      }
      assert.equal(a.status, 409, a.body);
      assert.equal(a.json().reason, "AlreadyExists");
      assert.match(String(a.json().message), /^configmaps "b-\d+" already exists$/);
    }
    assert.deepEqual([...created.keys()].sort(), [...names].sort());

    const events = await watching;
    assert.deepEqual(
      events.map((e) => [e.type, (e.object as unknown as Created).metadata.name, (e.object as unknown as Created).metadata.resourceVersion]).sort(),
      names.map((n) => ["ADDED", n, created.get(n)]).sort(),
    );
    const revisions = events.map((e) => Number((e.object as unknown as Created).metadata.resourceVersion));
    assert.deepEqual(revisions, [...revisions].sort((a, b) => a - b), "watch events come in revision order");
    for (const n of names) {
      const put = await api.request("PUT", `/api/v1/namespaces/burst/configmaps/${n}`, { ...cm(n, { n: "updated" }), metadata: { name: n, resourceVersion: created.get(n) } });
      assert.equal(put.status, 200, put.body);
    }
  });

  test("an update with a stale resourceVersion gives 409 Conflict and changes nothing", async () => {
    const created = (await api.request("POST", "/api/v1/namespaces/default/configmaps", cm("cas"))).json<{ metadata: { resourceVersion: string } }>();
    const rv = created.metadata.resourceVersion;
    const first = await api.request("PUT", "/api/v1/namespaces/default/configmaps/cas", { ...cm("cas", { k: "first" }), metadata: { name: "cas", resourceVersion: rv } });
    assert.equal(first.status, 200);
    const stale = await api.request("PUT", "/api/v1/namespaces/default/configmaps/cas", { ...cm("cas", { k: "stale" }), metadata: { name: "cas", resourceVersion: rv } });
    assert.equal(stale.status, 409);
    assert.equal(stale.json().reason, "Conflict");
    const now = (await api.request("GET", "/api/v1/namespaces/default/configmaps/cas")).json<{ data: { k: string } }>();
    assert.equal(now.data.k, "first");
  });

  test("pods/binding assigns a node once; a second binding is a 409", async () => {
    const pod = { apiVersion: "v1", kind: "Pod", metadata: { name: "bind-me" }, spec: { containers: [{ name: "c", image: "busybox" }] } };
    assert.equal((await api.request("POST", "/api/v1/namespaces/default/pods", pod)).status, 201);
    const binding = (node: string) => ({ apiVersion: "v1", kind: "Binding", metadata: { name: "bind-me" }, target: { apiVersion: "v1", kind: "Node", name: node } });
    const first = await api.request("POST", "/api/v1/namespaces/default/pods/bind-me/binding", binding("node-a"));
    assert.equal(first.status, 201, first.body);
    const bound = (await api.request("GET", "/api/v1/namespaces/default/pods/bind-me")).json<{ spec: { nodeName: string }; status: { conditions: { type: string; status: string }[] } }>();
    assert.equal(bound.spec.nodeName, "node-a");
    assert.ok(bound.status.conditions.some((c) => c.type === "PodScheduled" && c.status === "True"));
    const second = await api.request("POST", "/api/v1/namespaces/default/pods/bind-me/binding", binding("node-b"));
    assert.equal(second.status, 409);
    await api.request("DELETE", "/api/v1/namespaces/default/pods/bind-me?gracePeriodSeconds=0");
  });

  test("list pages with limit and continue at one resourceVersion", async () => {
    for (let i = 0; i < 5; i++) await api.request("POST", "/api/v1/namespaces/default/configmaps", cm(`page-${i}`));
    const p1 = (await api.request("GET", "/api/v1/namespaces/default/configmaps?limit=2&labelSelector=")).json<{ items: unknown[]; metadata: { continue: string; resourceVersion: string } }>();
    assert.equal(p1.items.length, 2);
    assert.ok(p1.metadata.continue);
    const p2 = (await api.request("GET", `/api/v1/namespaces/default/configmaps?limit=2&continue=${encodeURIComponent(p1.metadata.continue)}`)).json<{ items: unknown[]; metadata: { resourceVersion: string } }>();
    assert.equal(p2.items.length, 2);
    assert.equal(p2.metadata.resourceVersion, p1.metadata.resourceVersion);
  });

  test("a watch resumes from a resourceVersion and answers 410 Expired once compacted", async () => {
    const a = (await api.request("POST", "/api/v1/namespaces/default/configmaps", cm("w-a"))).json<{ metadata: { resourceVersion: string } }>();
    await api.request("POST", "/api/v1/namespaces/default/configmaps", cm("w-b"));
    const events = await api.watch(`/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${a.metadata.resourceVersion}`, (ev) => ev.length >= 1, 5000);
    assert.equal(events[0].type, "ADDED");
    assert.equal((events[0].object.metadata as { name: string }).name, "w-b");

    // Compact through the etcd member this master supervises, as etcd's auto-compaction would,
    // past the revision of w-b (etcd keeps the compaction revision itself).
    await api.request("POST", "/api/v1/namespaces/default/configmaps", cm("w-c"));
    const { execFileSync } = await import("node:child_process");
    const rv = (await api.request("GET", "/api/v1/namespaces/default/configmaps")).json<{ metadata: { resourceVersion: string } }>().metadata.resourceVersion;
    execFileSync("etcdctl", ["--endpoints", master.etcdEndpoint, ...master.etcdctlTlsArgs(), "compact", rv], { env: { ...process.env, ETCDCTL_API: "3" } });
    const expired = await api.watch(`/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${a.metadata.resourceVersion}`, (ev) => ev.length >= 1, 5000);
    assert.equal(expired[0]?.type, "ERROR");
    assert.equal(expired[0].object.code, 410);
    assert.equal(expired[0].object.reason, "Expired");
  });

  test("a body over 3 MiB gets 413 and an object over 1.5 MiB is refused", async () => {
    const huge = await api.request("POST", "/api/v1/namespaces/default/configmaps", cm("huge", { big: "x".repeat(3 * 1024 * 1024 + 10) }));
    assert.equal(huge.status, 413);
    const big = await api.request("POST", "/api/v1/namespaces/default/secrets", { apiVersion: "v1", kind: "Secret", metadata: { name: "big" }, data: { a: Buffer.alloc(600 * 1024).toString("base64"), b: Buffer.alloc(600 * 1024).toString("base64") } });
    assert.ok(big.status >= 400 && big.status < 500, `status ${big.status}`);
    assert.equal((await api.request("GET", "/api/v1/namespaces/default/secrets/big")).status, 404);
  });

  test("a master killed with SIGKILL restarts on its data dir with every object", async () => {
    const before = (await api.request("GET", "/api/v1/namespaces/default/configmaps")).json<{ items: { metadata: { name: string; uid: string } }[] }>();
    await master.kill("SIGKILL");
    await master.restart();
    const after = (await api.request("GET", "/api/v1/namespaces/default/configmaps")).json<{ items: { metadata: { name: string; uid: string } }[] }>();
    assert.deepEqual(after.items.map((i) => [i.metadata.name, i.metadata.uid]), before.items.map((i) => [i.metadata.name, i.metadata.uid]));
    const kubectl = new Kubectl(master.kubeconfig);
    try {
      assert.match(await kubectl.ok(["get", "ns"]), /kube-node-lease/);
    } finally {
      kubectl.cleanup();
    }
  });
});
