// Pod CIDR allocation by the dispatcher against a real etcd, with nodes that have no agent (no
// sessions): lowest free range first, each range once, an exhausted cluster CIDR said once, and
// a range freed by a deleted node handed to a node still waiting.

import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { after, before, test } from "node:test";
import pino from "pino";
import type { KubeObject } from "../../api/object";
import { findResource } from "../../api/resources";
import { ApiContext } from "../registry/context";
import { ResourceClient } from "../registry/internal-client";
import { startTestEtcd, type TestEtcd } from "../store/testing";
import { TEST_ADMIN } from "../registry/testing";
import { Dispatcher, podCidrsOf } from "./dispatcher";

let env: TestEtcd;
let ctx: ApiContext;
let nodes: ResourceClient;

before(async () => {
  env = await startTestEtcd();
  ctx = new ApiContext(env.store);
  nodes = new ResourceClient(ctx, findResource("", "v1", "nodes")!, TEST_ADMIN);
});
after(async () => {
  await env?.stop();
});

const hollow = (name: string): KubeObject => ({ apiVersion: "v1", kind: "Node", metadata: { name }, spec: {}, status: { conditions: [{ type: "Ready", status: "True" }] } });

async function cidrs(): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const n of await nodes.list()) out[n.metadata.name!] = podCidrsOf(n);
  return out;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const v = await probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

test("ranges go lowest first, once each; running out is logged once; a freed range goes to a waiting node", async () => {
  const errors: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split("\n").filter(Boolean)) if (JSON.parse(line).level >= 50) errors.push(JSON.parse(line).msg);
      done();
    },
  });
  // 10.10.0.0/23 in /24s: room for two nodes.
  const dispatcher = new Dispatcher({ ctx, log: pino({ level: "debug" }, sink), clusterCidr: "10.10.0.0/23", nodeCidrMaskSize: 24 });
  for (const name of ["a", "b", "c", "d"]) await nodes.create(hollow(name));
  await dispatcher.start();
  try {
    const got = await until("two nodes with a range", async () => {
      const c = await cidrs();
      return Object.values(c).filter((x) => x.length > 0).length === 2 ? c : undefined;
    });
    assert.deepEqual(Object.values(got).flat().sort(), ["10.10.0.0/24", "10.10.1.0/24"]);
    // The two left without one, and their later updates, make one error line between them.
    const waiting = Object.keys(got).filter((n) => got[n].length === 0);
    for (const name of waiting) await nodes.update(undefined, name, (n) => ({ ...n, metadata: { ...n.metadata, labels: { touched: "1" } } }));
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(errors.filter((m) => m.startsWith("no pod CIDR left")).length, 1);

    // A node with a range goes; the next event of a waiting node gets that range.
    const holder = Object.keys(got).find((n) => got[n][0] === "10.10.0.0/24")!;
    await nodes.delete(undefined, holder);
    await new Promise((r) => setTimeout(r, 5_200)); // the freed range's reservation (5 s) lapses
    await nodes.update(undefined, waiting[0], (n) => ({ ...n, metadata: { ...n.metadata, labels: { touched: "2" } } }));
    const after = await until("the freed range handed out", async () => {
      const c = await cidrs();
      return c[waiting[0]]?.length ? c : undefined;
    });
    assert.deepEqual(after[waiting[0]], ["10.10.0.0/24"]);
    assert.deepEqual(after[waiting[1]], []);
  } finally {
    await dispatcher.stop();
  }
});
