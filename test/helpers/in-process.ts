// The master's API machinery in this process over a real etcd member, for tests that run
// controllers without a master process: an ApiContext on an injected clock, the system
// namespaces, the namespace cache admission reads, and the components under test, started in
// order after it and stopped in reverse order before it.

import type { ResourceType } from "../../api/resources";
import { findResource } from "../../api/resources";
import { ApiContext } from "../../master/registry/context";
import { ResourceClient } from "../../master/registry/internal-client";
import { TEST_ADMIN } from "../../master/registry/testing";
import { ensureSystemNamespaces } from "../../master/bootstrap";
import { startTestEtcd, type TestEtcd } from "../../master/store/testing";

export interface Startable {
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface InProcessApi {
  readonly etcd: TestEtcd;
  readonly ctx: ApiContext;
  client(resource: ResourceType): ResourceClient;
  /** Creates a namespace named `<prefix><n>` and returns the name. */
  namespace(): Promise<string>;
  stop(): Promise<void>;
}

const NAMESPACES = findResource("", "v1", "namespaces")!;

export async function startInProcessApi(options: { now: () => Date; namespacePrefix: string; components?: (ctx: ApiContext) => Startable[] }): Promise<InProcessApi> {
  const etcd = await startTestEtcd();
  const ctx = new ApiContext(etcd.store, { now: options.now });
  const started: Startable[] = [];
  let seq = 0;
  const api: InProcessApi = {
    etcd,
    ctx,
    client: (resource) => new ResourceClient(ctx, resource, TEST_ADMIN),
    async namespace() {
      const name = `${options.namespacePrefix}${++seq}`;
      await api.client(NAMESPACES).create({ apiVersion: "v1", kind: "Namespace", metadata: { name } });
      return name;
    },
    async stop() {
      for (const c of started.splice(0).reverse()) await c.stop();
      await ctx.namespaces.stop();
      await etcd.stop();
    },
  };
  try {
    await ensureSystemNamespaces(ctx);
    await ctx.namespaces.start();
    for (const c of options.components?.(ctx) ?? []) {
      await c.start();
      started.push(c);
    }
  } catch (err) {
    await api.stop();
    throw err;
  }
  return api;
}
