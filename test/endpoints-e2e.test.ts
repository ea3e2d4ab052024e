// Endpoints, EndpointSlices and LoadBalancer status, end to end: a real `gantry master` and the
// real kubectl. Pods are made through the API with the status an agent would report (IP,
// readiness), bound to Nodes made the same way, so no agent runs: what is tested is what the
// master's controllers make of them.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { apiJson, createPod, putNode, setPodStatus } from "./helpers/api-objects";
import { startKubectlSession, type KubectlSession } from "./helpers/kubectl-session";
import { waitFor } from "./helpers/wait";

interface Address {
  ip: string;
  hostname?: string;
  nodeName?: string;
  targetRef?: { name: string };
}
interface Endpoints {
  metadata: { labels?: Record<string, string>; resourceVersion: string };
  subsets?: { addresses?: Address[]; notReadyAddresses?: Address[]; ports?: { name?: string; port: number; protocol: string }[] }[];
}
interface Slice {
  metadata: { name: string; labels: Record<string, string>; ownerReferences?: { kind: string; name: string; uid: string }[]; resourceVersion: string };
  addressType: string;
  ports: { name: string; port: number; protocol: string }[] | null;
  endpoints: { addresses: string[]; conditions: { ready: boolean; serving: boolean; terminating: boolean }; hostname?: string; nodeName?: string; zone?: string; targetRef?: { name: string } }[] | null;
}

let s: KubectlSession;

before(async () => {
  // Nodes made by the test send no heartbeats: keep them Ready for the whole file.
  s = await startKubectlSession({ args: ["--node-monitor-grace-period", "300"] });
  await putNode(s.api, "node-a", { ip: "127.0.0.21", zone: "zone-1" });
  await putNode(s.api, "node-b", { ip: "127.0.0.22" });
});

after(async () => {
  await s?.stop();
});

async function namespace(name: string): Promise<string> {
  await s.kubectl.ok(["create", "namespace", name]);
  return name;
}

function createService(ns: string, name: string, spec: Record<string, unknown>, labels: Record<string, string> = {}): Promise<unknown> {
  return apiJson(s.api, "POST", `/api/v1/namespaces/${ns}/services`, { apiVersion: "v1", kind: "Service", metadata: { name, labels }, spec });
}

async function endpoints(ns: string, name: string): Promise<Endpoints | undefined> {
  const r = await s.api.request("GET", `/api/v1/namespaces/${ns}/endpoints/${name}`);
  return r.status === 200 ? r.json<Endpoints>() : undefined;
}

async function slices(ns: string, service: string): Promise<Slice[]> {
  const list = await apiJson<{ items: Slice[] }>(s.api, "GET", `/apis/discovery.k8s.io/v1/namespaces/${ns}/endpointslices?labelSelector=kubernetes.io/service-name=${service}`);
  return list.items;
}

const ips = (list: Address[] | undefined) => (list ?? []).map((a) => a.ip).sort();
const readyIPs = (ep: Endpoints | undefined) => ips(ep?.subsets?.flatMap((x) => x.addresses ?? []));
const notReadyIPs = (ep: Endpoints | undefined) => ips(ep?.subsets?.flatMap((x) => x.notReadyAddresses ?? []));
const sliceEndpoints = (list: Slice[]) => list.flatMap((x) => x.endpoints ?? []).sort((a, b) => (a.addresses[0] < b.addresses[0] ? -1 : 1));

describe("endpoints: the master's Endpoints, EndpointSlice and LoadBalancer controllers", () => {
  test("ready and unready pods: addresses and notReadyAddresses, slice conditions, kubectl get and describe", async () => {
    const ns = await namespace("ep-basic");
    await createService(ns, "web", { selector: { app: "web" }, ports: [{ name: "http", port: 80, targetPort: 8080 }] }, { tier: "fe" });
    await createPod(s.api, ns, "web-1", { labels: { app: "web" }, node: "node-a", ip: "10.244.1.11" });
    await createPod(s.api, ns, "web-2", { labels: { app: "web" }, node: "node-b", ip: "10.244.2.12", ready: false });
    await createPod(s.api, ns, "web-3", { labels: { app: "web" }, node: "node-a", ip: "" }); // no IP yet
    await createPod(s.api, ns, "db-1", { labels: { app: "db" }, node: "node-a", ip: "10.244.1.99" });

    const ep = await waitFor("Endpoints with one ready and one unready address", async () => {
      const e = await endpoints(ns, "web");
      return readyIPs(e).length === 1 && notReadyIPs(e).length === 1 ? e : undefined;
    });
    assert.deepEqual(readyIPs(ep), ["10.244.1.11"]);
    assert.deepEqual(notReadyIPs(ep), ["10.244.2.12"]);
    assert.deepEqual(ep.subsets?.[0].ports, [{ name: "http", port: 8080, protocol: "TCP" }]);
    assert.deepEqual(ep.metadata.labels, { tier: "fe" });
    const a = ep.subsets![0].addresses![0];
    assert.equal(a.nodeName, "node-a");
    assert.equal(a.targetRef?.name, "web-1");

    const list = await waitFor("one slice with both pods", async () => {
      const l = await slices(ns, "web");
      return sliceEndpoints(l).length === 2 ? l : undefined;
    });
    assert.equal(list.length, 1);
    const [slice] = list;
    assert.match(slice.metadata.name, /^web-[a-z0-9]{5}$/);
    assert.equal(slice.addressType, "IPv4");
    assert.equal(slice.metadata.labels["endpointslice.kubernetes.io/managed-by"], "endpointslice-controller.k8s.io");
    assert.equal(slice.metadata.labels.tier, "fe");
    assert.equal(slice.metadata.ownerReferences?.[0].kind, "Service");
    assert.deepEqual(slice.ports, [{ name: "http", port: 8080, protocol: "TCP" }]);
    const [e1, e2] = sliceEndpoints(list);
    assert.deepEqual(e1, { addresses: ["10.244.1.11"], conditions: { ready: true, serving: true, terminating: false }, nodeName: "node-a", zone: "zone-1", targetRef: e1.targetRef });
    assert.deepEqual(e2.conditions, { ready: false, serving: false, terminating: false });
    assert.equal(e2.zone, undefined, "node-b has no zone label");

    const table = await s.kubectl.ok(["get", "endpointslices", "-n", ns]);
    assert.match(table, /^NAME\s+ADDRESSTYPE\s+PORTS\s+ENDPOINTS\s+AGE$/m);
    assert.match(table, new RegExp(`${slice.metadata.name}\\s+IPv4\\s+8080\\s+10\\.244\\.1\\.11,10\\.244\\.2\\.12\\s+\\d+s`));
    assert.match(await s.kubectl.ok(["get", "endpoints", "-n", ns, "web"]), /web\s+10\.244\.1\.11:8080\s/);
    const yaml = await s.kubectl.ok(["get", "endpointslices", "-n", ns, slice.metadata.name, "-o", "yaml"]);
    assert.match(yaml, /kubernetes.io\/service-name: web/);
    assert.match(await s.kubectl.ok(["describe", "svc", "-n", ns, "web"]), /^Endpoints:\s+10\.244\.1\.11:8080$/m);

    // web-2 turns ready, web-1 unready.
    await setPodStatus(s.api, ns, "web-2", { ready: true });
    await setPodStatus(s.api, ns, "web-1", { ready: false });
    const flipped = await waitFor("the readiness flip in Endpoints", async () => {
      const e = await endpoints(ns, "web");
      return readyIPs(e).join() === "10.244.2.12" && notReadyIPs(e).join() === "10.244.1.11" ? e : undefined;
    });
    assert.ok(flipped);
    await waitFor("the readiness flip in the slice", async () => {
      const [x, y] = sliceEndpoints(await slices(ns, "web"));
      return x?.conditions.ready === false && y?.conditions.ready === true;
    });
    assert.match(await s.kubectl.ok(["describe", "svc", "-n", ns, "web"]), /^Endpoints:\s+10\.244\.2\.12:8080$/m);
  });

  test("a named targetPort resolves per pod: different numbers, different subsets and slices", async () => {
    const ns = await namespace("ep-named");
    await createService(ns, "web", { selector: { app: "web" }, ports: [{ name: "http", port: 80, targetPort: "web" }] });
    await createPod(s.api, ns, "web-1", { labels: { app: "web" }, node: "node-a", ip: "10.244.1.21", ports: [{ name: "web", containerPort: 8080 }] });
    await createPod(s.api, ns, "web-2", { labels: { app: "web" }, node: "node-a", ip: "10.244.1.22", ports: [{ name: "web", containerPort: 9090 }] });
    await createPod(s.api, ns, "web-3", { labels: { app: "web" }, node: "node-a", ip: "10.244.1.23" }); // no port named "web"
    const ep = await waitFor("two subsets", async () => {
      const e = await endpoints(ns, "web");
      return e?.subsets?.length === 2 ? e : undefined;
    });
    const byPort = Object.fromEntries(ep.subsets!.map((x) => [x.ports![0].port, ips(x.addresses)]));
    assert.deepEqual(byPort, { 8080: ["10.244.1.21"], 9090: ["10.244.1.22"] });
    // As upstream, a pod that resolves none of the ports still gets a slice: one without ports.
    const list = await waitFor("three slices", async () => {
      const l = await slices(ns, "web");
      return l.length === 3 && sliceEndpoints(l).length === 3 ? l : undefined;
    });
    assert.deepEqual(list.map((x) => [x.ports?.[0]?.port ?? null, x.endpoints?.[0].addresses[0]]).sort((a, b) => String(a[1]).localeCompare(String(b[1]))), [
      [8080, "10.244.1.21"],
      [9090, "10.244.1.22"],
      [null, "10.244.1.23"],
    ]);
  });

  test("publishNotReadyAddresses: unready pods are ready addresses", async () => {
    const ns = await namespace("ep-publish");
    await createService(ns, "web", { selector: { app: "web" }, publishNotReadyAddresses: true, ports: [{ port: 80 }] });
    await createPod(s.api, ns, "web-1", { labels: { app: "web" }, node: "node-a", ip: "10.244.1.31", ready: false });
    const ep = await waitFor("the unready pod as a ready address", async () => {
      const e = await endpoints(ns, "web");
      return readyIPs(e).length === 1 ? e : undefined;
    });
    assert.deepEqual(notReadyIPs(ep), []);
    const [e] = sliceEndpoints(await waitFor("its slice", async () => ((await slices(ns, "web"))[0]?.endpoints ? slices(ns, "web") : undefined)));
    assert.deepEqual(e.conditions, { ready: true, serving: false, terminating: false });
  });

  test("headless: included, hostname for pods whose subdomain is the Service, headless label", async () => {
    const ns = await namespace("ep-headless");
    await createService(ns, "db", { selector: { app: "db" }, clusterIP: "None", ports: [{ name: "pg", port: 5432 }] });
    await createPod(s.api, ns, "db-0", { labels: { app: "db" }, node: "node-a", ip: "10.244.1.41", hostname: "db-0", subdomain: "db" });
    await createPod(s.api, ns, "db-x", { labels: { app: "db" }, node: "node-a", ip: "10.244.1.42", hostname: "x", subdomain: "other" });
    const ep = await waitFor("both addresses", async () => {
      const e = await endpoints(ns, "db");
      return readyIPs(e).length === 2 ? e : undefined;
    });
    assert.equal(ep.metadata.labels?.["service.kubernetes.io/headless"], "");
    const hosts = Object.fromEntries(ep.subsets![0].addresses!.map((a) => [a.ip, a.hostname ?? null]));
    assert.deepEqual(hosts, { "10.244.1.41": "db-0", "10.244.1.42": null });
    const list = await waitFor("the slice", async () => {
      const l = await slices(ns, "db");
      return sliceEndpoints(l).length === 2 ? l : undefined;
    });
    assert.equal(list[0].metadata.labels["service.kubernetes.io/headless"], "");
    assert.deepEqual(sliceEndpoints(list).map((e) => e.hostname ?? null), ["db-0", null]);
  });

  test("a terminating pod: out of Endpoints, terminating in its slice; gone when deleted", async () => {
    const ns = await namespace("ep-terminating");
    await createService(ns, "web", { selector: { app: "web" }, ports: [{ port: 80 }] });
    await createPod(s.api, ns, "web-1", { labels: { app: "web" }, node: "node-a", ip: "10.244.1.51" });
    await waitFor("the address", async () => readyIPs(await endpoints(ns, "web")).length === 1);
    // Bound to a node, the pod is deleted gracefully: it stays, terminating, until its (absent) agent confirms.
    await s.kubectl.ok(["delete", "pod", "-n", ns, "web-1", "--wait=false"]);
    await waitFor("Endpoints without it", async () => (await endpoints(ns, "web"))?.subsets === undefined);
    const [e] = sliceEndpoints(await waitFor("the slice's terminating endpoint", async () => {
      const l = await slices(ns, "web");
      return sliceEndpoints(l)[0]?.conditions.terminating ? l : undefined;
    }));
    assert.deepEqual(e.conditions, { ready: false, serving: true, terminating: true });
    await s.kubectl.ok(["delete", "pod", "-n", ns, "web-1", "--grace-period=0", "--force"]);
    const empty = await waitFor("an empty placeholder slice", async () => {
      const l = await slices(ns, "web");
      return l.length === 1 && l[0].endpoints === null ? l : undefined;
    });
    assert.match(await s.kubectl.ok(["get", "endpointslices", "-n", ns]), new RegExp(`${empty[0].metadata.name}\\s+IPv4\\s+<unset>\\s+<unset>`));
  });

  test("over 100 endpoints: slices of at most 100; Endpoints lists them all; scaling down repacks", async () => {
    const ns = await namespace("ep-many");
    await createService(ns, "web", { selector: { app: "web" }, ports: [{ port: 80 }] });
    const n = 130;
    for (let i = 0; i < n; i += 10) {
      await Promise.all(Array.from({ length: Math.min(10, n - i) }, (_, k) => createPod(s.api, ns, `web-${i + k}`, { labels: { app: "web" }, node: "node-a", ip: `10.244.3.${i + k + 1}` })));
    }
    const list = await waitFor(`${n} endpoints in slices`, async () => {
      const l = await slices(ns, "web");
      return sliceEndpoints(l).length === n ? l : undefined;
    }, 60_000);
    assert.deepEqual(list.map((x) => x.endpoints!.length).sort((a, b) => a - b), [30, 100]);
    assert.equal(new Set(sliceEndpoints(list).map((e) => e.addresses[0])).size, n, "no endpoint twice");
    await waitFor(`${n} addresses in Endpoints`, async () => readyIPs(await endpoints(ns, "web")).length === n);

    for (let i = 0; i < 40; i += 10) {
      await Promise.all(Array.from({ length: 10 }, (_, k) => s.api.request("DELETE", `/api/v1/namespaces/${ns}/pods/web-${i + k}`, { gracePeriodSeconds: 0 })));
    }
    const fewer = await waitFor("90 endpoints", async () => {
      const l = await slices(ns, "web");
      return sliceEndpoints(l).length === 90 ? l : undefined;
    }, 60_000);
    assert.ok(fewer.every((x) => (x.endpoints?.length ?? 0) <= 100));
    assert.equal(fewer.length, 2);
  });

  test("deleting a Service deletes its Endpoints and EndpointSlices; selector-less Services are left alone", async () => {
    const ns = await namespace("ep-delete");
    await createService(ns, "web", { selector: { app: "web" }, ports: [{ port: 80 }] });
    await createPod(s.api, ns, "web-1", { labels: { app: "web" }, node: "node-a", ip: "10.244.1.61" });
    await waitFor("Endpoints and a slice", async () => (await endpoints(ns, "web")) !== undefined && (await slices(ns, "web")).length === 1);

    // A Service without a selector: its users write its Endpoints, the controllers never touch them.
    await createService(ns, "ext", { ports: [{ port: 5432 }] });
    await apiJson(s.api, "POST", `/api/v1/namespaces/${ns}/endpoints`, { apiVersion: "v1", kind: "Endpoints", metadata: { name: "ext" }, subsets: [{ addresses: [{ ip: "10.1.2.3" }], ports: [{ port: 5432 }] }] });

    await s.kubectl.ok(["delete", "svc", "-n", ns, "web"]);
    await waitFor("Endpoints gone", async () => (await endpoints(ns, "web")) === undefined);
    await waitFor("slices gone", async () => (await slices(ns, "web")).length === 0);

    const ext = await endpoints(ns, "ext");
    assert.deepEqual(readyIPs(ext), ["10.1.2.3"]);
    assert.deepEqual(await slices(ns, "ext"), [], "no slices made for a selector-less Service");
  });

  test("a LoadBalancer Service gets the Ready, schedulable nodes' InternalIPs; follows nodes; loses them when its type changes", async () => {
    const ns = await namespace("ep-lb");
    await createService(ns, "web", { type: "LoadBalancer", selector: { app: "web" }, ports: [{ port: 80 }] });
    const externalIP = async () => /web\s+LoadBalancer\s+\S+\s+(\S+)/.exec(await s.kubectl.ok(["get", "svc", "-n", ns, "web"]))?.[1];
    assert.equal(await waitFor("both node addresses", async () => ((await externalIP()) === "127.0.0.21,127.0.0.22" ? "ok" : undefined)), "ok");
    const svc = await apiJson<{ status: { loadBalancer: { ingress: { ip: string; ipMode: string }[] } } }>(s.api, "GET", `/api/v1/namespaces/${ns}/services/web`);
    assert.deepEqual(svc.status.loadBalancer.ingress, [
      { ip: "127.0.0.21", ipMode: "VIP" },
      { ip: "127.0.0.22", ipMode: "VIP" },
    ]);

    await s.kubectl.ok(["cordon", "node-b"]);
    await waitFor("node-b gone from the ingress", async () => (await externalIP()) === "127.0.0.21");
    await putNode(s.api, "node-c", { ip: "127.0.0.23" });
    await waitFor("node-c added", async () => (await externalIP()) === "127.0.0.21,127.0.0.23");
    await s.kubectl.ok(["uncordon", "node-b"]);
    await s.api.request("DELETE", "/api/v1/nodes/node-c");
    await waitFor("back to node-a and node-b", async () => (await externalIP()) === "127.0.0.21,127.0.0.22");

    // Gantry's apiserver does not yet drop the type-dependent fields itself (upstream's
    // dropTypeDependentFields), so the patch removes them.
    const toClusterIP = [
      { op: "replace", path: "/spec/type", value: "ClusterIP" },
      { op: "remove", path: "/spec/ports/0/nodePort" },
      { op: "remove", path: "/spec/allocateLoadBalancerNodePorts" },
      { op: "remove", path: "/spec/externalTrafficPolicy" },
    ];
    await s.kubectl.ok(["patch", "svc", "-n", ns, "web", "--type=json", "-p", JSON.stringify(toClusterIP)]);
    await waitFor("no ingress any more", async () => {
      const x = await apiJson<{ status?: { loadBalancer?: { ingress?: unknown[] } } }>(s.api, "GET", `/api/v1/namespaces/${ns}/services/web`);
      return (x.status?.loadBalancer?.ingress ?? []).length === 0;
    });
    assert.match(await s.kubectl.ok(["get", "svc", "-n", ns, "web"]), /web\s+ClusterIP\s+\S+\s+<none>/);
  });

  test("a master restart recomputes everything and writes nothing that did not change", async () => {
    const ns = await namespace("ep-restart");
    await createService(ns, "web", { selector: { app: "web" }, ports: [{ port: 80 }] });
    await createPod(s.api, ns, "web-1", { labels: { app: "web" }, node: "node-a", ip: "10.244.1.71" });
    await waitFor("a slice with the pod", async () => sliceEndpoints(await slices(ns, "web")).length === 1);
    await waitFor("Endpoints with the pod", async () => readyIPs(await endpoints(ns, "web")).length === 1);
    const untouched = async () => ({ ep: (await endpoints("ep-basic", "web"))?.metadata.resourceVersion, slices: (await slices("ep-basic", "web")).map((x) => x.metadata.resourceVersion) });
    const before = await untouched();
    const slicesBefore = (await slices(ns, "web")).length;

    await s.master.kill("SIGKILL");
    await s.master.restart();
    // A change made right after the restart is picked up by the new leader...
    await setPodStatus(s.api, ns, "web-1", { ready: false });
    await waitFor("the unready pod after the restart", async () => notReadyIPs(await endpoints(ns, "web")).length === 1);
    await waitFor("the unready pod's slice", async () => sliceEndpoints(await slices(ns, "web"))[0]?.conditions.ready === false);
    // ...while the objects of a Service nothing happened to are not written again.
    await new Promise((r) => setTimeout(r, 2000));
    assert.deepEqual(await untouched(), before, "untouched Endpoints and slices not rewritten");
    assert.equal((await slices(ns, "web")).length, slicesBefore, "no duplicate slice after the restart");
    // And in this whole file, before and after the restart, no sync failed.
    const failures = s.master.output().split("\n").filter((l) => /(endpoint-controller|endpointslice-controller|service-lb-controller).*failed/.test(l));
    assert.deepEqual(failures, []);
  });
});
