// The static-endpoints writer on a real etcd through the registry: a sync that finds what it
// wants already stored writes nothing, also when the Service has no endpoints (a slice's empty
// list is stored as null, which once made every sync write again, and every write trigger a sync).

import assert from "node:assert/strict";
import { test } from "node:test";
import type { KubeObject } from "../../api/object";
import { findResource } from "../../api/resources";
import { ensureSystemNamespaces } from "../bootstrap";
import { ApiContext } from "../registry/context";
import { ResourceClient } from "../registry/internal-client";
import { TEST_ADMIN } from "../registry/testing";
import { startTestEtcd } from "../store/testing";
import type { StaticEndpoint, StaticService } from "./static-endpoints";
import { StaticEndpointsWriter } from "./static-endpoints-writer";

const ENDPOINTS = findResource("", "v1", "endpoints")!;
const SLICES = findResource("discovery.k8s.io", "v1", "endpointslices")!;

const svc: StaticService = { namespace: "default", name: "static", labels: {}, managedBy: "static-test.gantry.io", ports: [{ name: "https", port: 6443, protocol: "TCP" }] };
const service: KubeObject = { apiVersion: "v1", kind: "Service", metadata: { name: "static", namespace: "default", uid: "static-uid" } };

test("a second sync with the same endpoints writes nothing, with no endpoints as with some", async (t) => {
  const etcd = await startTestEtcd();
  t.after(() => etcd.stop());
  const ctx = new ApiContext(etcd.store);
  await ensureSystemNamespaces(ctx);
  const writer = new StaticEndpointsWriter(ctx, TEST_ADMIN);
  const endpoints = new ResourceClient(ctx, ENDPOINTS, TEST_ADMIN);
  const slices = new ResourceClient(ctx, SLICES, TEST_ADMIN);
  const versions = async () => [(await endpoints.get("default", "static")).metadata.resourceVersion, (await slices.get("default", "static-1")).metadata.resourceVersion];
  const raced = () => assert.fail("no concurrent writer here");

  for (const wanted of [[], [{ address: "10.0.0.1" }]] as StaticEndpoint[][]) {
    await writer.sync(svc, service, wanted, raced);
    const written = await versions();
    await writer.sync(svc, service, wanted, raced);
    assert.deepEqual(await versions(), written, `endpoints ${JSON.stringify(wanted)}: the second sync must not write`);
  }
});
