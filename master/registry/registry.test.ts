// The registry as the one write path, over a real etcd: the internal client's writes are
// authorized (with the real chain and with a recording authorizer), admitted as the user who
// makes them (NodeRestriction for a node identity), and retried on lost races by one policy.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { ApiError } from "../../api/errors";
import type { KubeObject } from "../../api/object";
import { findResource } from "../../api/resources";
import { BOOTSTRAPPERS_GROUP } from "../../api/bootstrap/token";
import type { RequestAttributes } from "../auth/attributes";
import { controllerUser, nodeUser } from "../auth/internal-users";
import { authenticated } from "../auth/user";
import { ensureSystemNamespaces } from "../bootstrap";
import { startTestEtcd, type TestEtcd } from "../store/testing";
import { StoreError } from "../store/types";
import { ApiContext } from "./context";
import { ResourceClient } from "./internal-client";
import { CONFLICT_RETRIES } from "./retry";
import { TEST_ADMIN } from "./testing";

const CONFIGMAPS = findResource("", "v1", "configmaps")!;
const PODS = findResource("", "v1", "pods")!;

let env: TestEtcd;
let ctx: ApiContext;
before(async () => {
  env = await startTestEtcd();
  ctx = new ApiContext(env.store);
  await ensureSystemNamespaces(ctx);
  await ctx.namespaces.start();
});
after(async () => {
  await ctx?.namespaces.stop();
  await env?.stop();
});

const configMap = (name: string): KubeObject => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: "default" }, data: { a: "1" } });

async function rejects(p: Promise<unknown>, code: number, message: string | RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof ApiError, String(err));
    assert.equal(err.code, code, err.message);
    if (typeof message === "string") assert.equal(err.message, message);
    else assert.match(err.message, message);
    return true;
  });
}

describe("authorization of internal writes", () => {
  test("an identity the chain denies gets the API's 403 from the internal client, for every verb, and nothing is written", async () => {
    // A bootstrap token may only ask for certificates (master/auth/authorize.ts).
    const bootstrapper = authenticated("system:bootstrap:abcdef", [BOOTSTRAPPERS_GROUP]);
    const client = new ResourceClient(ctx, CONFIGMAPS, bootstrapper);
    const denied = (verb: string) => `configmaps is forbidden: User "system:bootstrap:abcdef" cannot ${verb} resource "configmaps" in API group "" in the namespace "default"`;
    await rejects(client.create(configMap("sneaky")), 403, denied("create"));
    assert.equal(await client.tryGet("default", "sneaky"), undefined);

    await new ResourceClient(ctx, CONFIGMAPS, TEST_ADMIN).create(configMap("kept"));
    const named = (verb: string) => denied(verb).replace("configmaps is", 'configmaps "kept" is');
    await rejects(client.update("default", "kept", (cm) => ({ ...cm, data: { a: "2" } })), 403, named("update"));
    await rejects(client.delete("default", "kept"), 403, named("delete"));
    // Authorization comes first: a missing object is still a 403, not a 404.
    await rejects(client.delete("default", "missing"), 403, denied("delete").replace("configmaps is", 'configmaps "missing" is'));
    assert.deepEqual((await client.get("default", "kept")).data, { a: "1" });
  });

  test("the authorizer is asked as the controller's own user, with the verb and subresource it writes through", async () => {
    const asked: string[] = [];
    const recording = new ApiContext(env.store, undefined, undefined, undefined, {
      authorizer: {
      authorize: (a: RequestAttributes) => {
        asked.push(`${a.user.name} ${a.verb} ${a.resource}${a.subresource ? `/${a.subresource}` : ""} ${a.namespace}/${a.name}`);
        return { allowed: true };
      },
    },
    });
    const client = new ResourceClient(recording, CONFIGMAPS, controllerUser("deployment-controller"));
    await client.create(configMap("asked"));
    await client.update("default", "asked", (cm) => ({ ...cm, data: { a: "2" } }));
    await client.delete("default", "asked");
    const sa = "system:serviceaccount:kube-system:deployment-controller";
    assert.deepEqual(asked, [`${sa} create configmaps default/`, `${sa} update configmaps default/asked`, `${sa} delete configmaps default/asked`]);
  });
});

describe("admission of internal writes", () => {
  test("NodeRestriction holds an internal client acting as a node (the dispatcher) to the pods bound to that node", async () => {
    const admin = new ResourceClient(ctx, PODS, TEST_ADMIN);
    for (const [name, node] of [["on-a", "node-a"], ["on-b", "node-b"]]) {
      await admin.create({ apiVersion: "v1", kind: "Pod", metadata: { name, namespace: "default" }, spec: { containers: [{ name: "c", image: "busybox" }] } });
      await ctx.registry.bind(TEST_ADMIN, "default", name, node);
    }
    const asNodeA = new ResourceClient(ctx, PODS, nodeUser("node-a"));
    const running = (p: KubeObject) => ({ ...p, status: { ...(p.status as object), phase: "Running" } });
    await asNodeA.update("default", "on-a", running, { statusOnly: true });
    await rejects(asNodeA.update("default", "on-b", running, { statusOnly: true }), 403, 'pods "on-b" is forbidden: node "node-a" can only update pod status for pods with spec.nodeName set to itself');
    await rejects(asNodeA.delete("default", "on-b", { gracePeriodSeconds: 0 }), 403, 'pods "on-b" is forbidden: node "node-a" can only delete pods with spec.nodeName set to itself');
    assert.equal(((await admin.get("default", "on-b")).status as { phase?: string }).phase, "Pending");
  });

  test("a validating plugin refuses a controller's write with the Status it throws, before anything is stored", async () => {
    const strict = new ApiContext(env.store);
    strict.admission.push({
      name: "test-configmaps-need-an-owner",
      validate(a) {
        if (a.resource === "configmaps" && a.operation !== "delete" && !a.object?.metadata.labels?.owner) {
          throw new ApiError(422, "Invalid", `ConfigMap "${a.name}" is invalid: metadata.labels[owner]: Required value (asked by ${a.user.name})`);
        }
      },
    });
    const client = new ResourceClient(strict, CONFIGMAPS, controllerUser("endpoint-controller"));
    await rejects(client.create(configMap("ownerless")), 422, 'ConfigMap "ownerless" is invalid: metadata.labels[owner]: Required value (asked by system:serviceaccount:kube-system:endpoint-controller)');
    assert.equal(await client.tryGet("default", "ownerless"), undefined);
  });

  test("Pod Security holds a controller's pod create (no warnings asked for) as it holds kubectl's", async () => {
    const pod: KubeObject = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "privileged-by-controller", namespace: "default" },
      spec: { hostNetwork: true, containers: [{ name: "c", image: "busybox" }] },
    };
    const client = new ResourceClient(ctx, PODS, controllerUser("replicaset-controller"));
    await rejects(client.create(pod), 403, /^pods "privileged-by-controller" is forbidden: violates PodSecurity "baseline:latest": host namespaces \(hostNetwork=true\)/);
    assert.equal(await client.tryGet("default", "privileged-by-controller"), undefined);
  });
});

test(`a read-modify-write that keeps losing the race is tried again ${CONFLICT_RETRIES} times, then the 409 reaches the caller`, async () => {
  await new ResourceClient(ctx, CONFIGMAPS, TEST_ADMIN).create(configMap("contended"));
  // A store on which every compare-and-swap loses: another writer always got there first.
  const losing = new Proxy(env.store, {
    get: (target, prop, receiver) => (prop === "update" ? (key: string) => Promise.reject(new StoreError("Conflict", key)) : Reflect.get(target, prop, receiver)),
  });
  const contended = new ApiContext(losing);
  let attempts = 0;
  await rejects(
    contended.registry.update(TEST_ADMIN, { resource: CONFIGMAPS, namespace: "default", name: "contended" }, (cm) => {
      attempts++;
      return { ...cm, data: { mine: "yes" } };
    }),
    409,
    'Operation cannot be fulfilled on configmaps "contended": the object has been modified; please apply your changes to the latest version and try again',
  );
  assert.equal(attempts, CONFLICT_RETRIES + 1);
});
