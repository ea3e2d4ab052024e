// The cluster DNS Service on the master side, against a real etcd through the master's own
// ApiContext: the bootstrap's `kube-system/kube-dns` at 10.96.0.10 (reserved like any Service's
// address, never handed out at random), and the kube-dns endpoints controller listing every
// node's gateway address.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { KubeObject } from "../api/object";
import { findResource } from "../api/resources";
import { ApiError } from "../api/errors";
import { allocateServiceAddresses } from "../master/registry/service-allocation";
import { ensureKubeDnsService } from "../master/bootstrap";
import { KubeDnsEndpointsController } from "../master/controllers/kube-dns-endpoints";
import { startInProcessApi, type InProcessApi } from "./helpers/in-process";
import { startKubectlSession, type KubectlSession } from "./helpers/kubectl-session";
import { waitFor } from "./helpers/wait";

const R = {
  services: findResource("", "v1", "services")!,
  endpoints: findResource("", "v1", "endpoints")!,
  nodes: findResource("", "v1", "nodes")!,
  slices: findResource("discovery.k8s.io", "v1", "endpointslices")!,
};

let api: InProcessApi;
let controller: KubeDnsEndpointsController;

const node = (name: string, podCIDR?: string): KubeObject => ({ apiVersion: "v1", kind: "Node", metadata: { name }, spec: podCIDR ? { podCIDR, podCIDRs: [podCIDR] } : {} });
const addresses = async () => {
  const ep = await api.client(R.endpoints).tryGet("kube-system", "kube-dns");
  const subsets = (ep?.subsets ?? []) as { addresses: { ip: string; nodeName: string }[]; ports: unknown[] }[];
  return subsets.flatMap((s) => s.addresses.map((a) => `${a.nodeName}=${a.ip}`)).sort();
};

before(async () => {
  api = await startInProcessApi({ now: () => new Date(), namespacePrefix: "dns", components: () => [] });
});

after(() => api?.stop());

describe("kube-dns", () => {
  test("10.96.0.10 is never handed out at random, even before kube-dns exists", async () => {
    const size = 2 ** 20 - 3;
    const pinned = () => (10 - 2 + 0.5) / size; // every random pick lands on 10.96.0.10
    const svc = await allocateServiceAddresses(api.etcd.store, { apiVersion: "v1", kind: "Service", metadata: { name: "early", namespace: "default" }, spec: { ports: [{ port: 80 }] } }, api.ctx.network.serviceRange, pinned);
    assert.equal((svc.spec as { clusterIP: string }).clusterIP, "10.96.0.11");
  });

  test("the bootstrap creates kube-system/kube-dns at 10.96.0.10, and its address is reserved", async () => {
    await ensureKubeDnsService(api.ctx);
    await ensureKubeDnsService(api.ctx); // idempotent
    const svc = await api.client(R.services).get("kube-system", "kube-dns");
    assert.deepEqual(svc.metadata.labels, { "k8s-app": "kube-dns" });
    const spec = svc.spec as Record<string, unknown>;
    assert.equal(spec.clusterIP, "10.96.0.10");
    assert.deepEqual(spec.clusterIPs, ["10.96.0.10"]);
    assert.equal(spec.internalTrafficPolicy, "Local");
    assert.equal(spec.selector, undefined);
    assert.deepEqual(
      (spec.ports as { name: string; port: number; protocol: string }[]).map((p) => `${p.name} ${p.port}/${p.protocol}`),
      ["dns 53/UDP", "dns-tcp 53/TCP"],
    );
    await assert.rejects(
      api.client(R.services).create({ apiVersion: "v1", kind: "Service", metadata: { name: "squatter", namespace: "default" }, spec: { clusterIP: "10.96.0.10", ports: [{ port: 53 }] } }),
      (err: unknown) => err instanceof ApiError && err.code === 422 && /provided IP is already allocated/.test(err.message),
    );
  });

  test("the endpoints controller lists every node's gateway address and follows the nodes", async () => {
    const nodes = api.client(R.nodes);
    await nodes.create(node("node-a", "10.244.1.0/24"));
    await nodes.create(node("node-b", "10.244.2.0/24"));
    await nodes.create(node("node-c")); // no pod range yet
    controller = new KubeDnsEndpointsController(api.ctx, { resyncMs: 60_000 });
    await controller.start();
    try {
      await waitFor("node-a and node-b listed", async () => (await addresses()).join() === "node-a=10.244.1.1,node-b=10.244.2.1");
      const ep = await api.client(R.endpoints).get("kube-system", "kube-dns");
      assert.equal(ep.metadata.labels?.["endpointslice.kubernetes.io/skip-mirror"], "true");
      assert.deepEqual((ep.subsets as { ports: unknown[] }[])[0].ports, [
        { name: "dns", port: 53, protocol: "UDP" },
        { name: "dns-tcp", port: 53, protocol: "TCP" },
      ]);

      const stored = await api.client(R.endpoints).get("kube-system", "kube-dns");
      controller.enqueueAll();
      await new Promise((r) => setTimeout(r, 500));
      await controller.idle();
      assert.equal((await api.client(R.endpoints).get("kube-system", "kube-dns")).metadata.resourceVersion, stored.metadata.resourceVersion, "a resync with nothing changed writes nothing");

      await nodes.update(undefined, "node-c", (n) => ({ ...n, spec: { podCIDR: "10.244.3.0/24", podCIDRs: ["10.244.3.0/24"] } }));
      await waitFor("node-c listed once it has a range", async () => (await addresses()).includes("node-c=10.244.3.1"));
      await nodes.delete(undefined, "node-a");
      await waitFor("node-a gone", async () => (await addresses()).join() === "node-b=10.244.2.1,node-c=10.244.3.1");

      // Someone else's edit is put back; the Service comes back if deleted.
      await api.client(R.endpoints).update("kube-system", "kube-dns", (e) => ({ ...e, subsets: [] }));
      await waitFor("the edit undone", async () => (await addresses()).length === 2);
      await api.client(R.services).delete("kube-system", "kube-dns");
      await waitFor("the Service back at 10.96.0.10", async () => {
        const svc = await api.client(R.services).tryGet("kube-system", "kube-dns");
        return (svc?.spec as { clusterIP?: string } | undefined)?.clusterIP === "10.96.0.10";
      });
    } finally {
      await controller.stop();
    }
  });

  test("EndpointSlices for the proxy, one endpoint per node with nodeName", async () => {
    const controller2 = new KubeDnsEndpointsController(api.ctx, { resyncMs: 60_000 });
    await controller2.start();
    try {
      const slices = api.client(R.slices);
      await waitFor("the kube-dns slice", async () => {
        const s = await slices.tryGet("kube-system", "kube-dns-1");
        const eps = (s?.endpoints ?? []) as { addresses: string[]; nodeName: string }[];
        return eps.map((e) => `${e.nodeName}=${e.addresses[0]}`).join() === "node-b=10.244.2.1,node-c=10.244.3.1";
      });
      const s = await slices.get("kube-system", "kube-dns-1");
      assert.equal(s.metadata.labels?.["kubernetes.io/service-name"], "kube-dns");
      assert.equal(s.addressType, "IPv4");
      controller2.enqueueAll();
      await new Promise((r) => setTimeout(r, 500));
      await controller2.idle();
      assert.equal((await slices.get("kube-system", "kube-dns-1")).metadata.resourceVersion, s.metadata.resourceVersion, "a resync with nothing changed writes nothing");
    } finally {
      await controller2.stop();
    }
  });
});

describe("kube-dns on a real master, through kubectl", () => {
  let session: KubectlSession | undefined;
  before(async () => {
    session = await startKubectlSession();
  });
  after(() => session?.stop());

  test("kubectl get svc -n kube-system kube-dns; its endpoints appear for a node with a pod range", async () => {
    const kubectl = session!.kubectl;
    const row = await waitFor("the kube-dns Service", async () => {
      const r = await kubectl.run(["get", "svc", "-n", "kube-system", "kube-dns", "--no-headers"]);
      return r.code === 0 ? r.stdout : undefined;
    });
    assert.match(row, /^kube-dns\s+ClusterIP\s+10\.96\.0\.10\s+<none>\s+53\/UDP,53\/TCP\s+/);
    await session!.api.request("POST", "/api/v1/nodes", { apiVersion: "v1", kind: "Node", metadata: { name: "dns-node" }, spec: { podCIDR: "10.244.9.0/24", podCIDRs: ["10.244.9.0/24"] } });
    await waitFor("kubectl get endpoints kube-dns", async () => /^kube-dns\s+10\.244\.9\.1:53/.test(await kubectl.ok(["get", "endpoints", "-n", "kube-system", "kube-dns", "--no-headers"])));
    // Nothing else fights over them (the Endpoints controllers leave selectorless Services alone).
    const version = () => kubectl.ok(["get", "endpoints", "-n", "kube-system", "kube-dns", "-o", "jsonpath={.metadata.resourceVersion}"]);
    const first = await version();
    await new Promise((r) => setTimeout(r, 2000));
    assert.equal(await version(), first);
  });
});
