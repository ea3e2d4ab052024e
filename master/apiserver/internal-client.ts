// The API as code inside the master sees it: controllers, the scheduler and the dispatcher write
// objects through the same admission (defaults, validation) and deletion rules as kubectl does,
// without HTTP in between.

import { ApiError } from "../../api/errors";
import type { KubeObject } from "../../api/object";
import { findResource, type ResourceType } from "../../api/resources";
import { admitCreate, admitUpdate, type UpdateWrite } from "./admission";
import type { ApiContext } from "./context";
import { deleteObject, finishedTerminating, type DeleteOutcome } from "./deletion";
import type { DeleteOptions } from "./body";
import { persistNew } from "./service-allocation";

export interface WriteOptions {
  /** Shorthand for `subresource: "status"`. */
  statusOnly?: boolean;
  subresource?: UpdateWrite["subresource"];
}

function writeOf(o: WriteOptions): UpdateWrite {
  return { subresource: o.subresource ?? (o.statusOnly ? "status" : undefined) };
}

export class ResourceClient {
  constructor(
    private readonly ctx: ApiContext,
    readonly resource: ResourceType,
  ) {}

  get(namespace: string | undefined, name: string): Promise<KubeObject> {
    return this.ctx.storeFor(this.resource).get(namespace, name);
  }

  /** Returns undefined instead of throwing NotFound. */
  async tryGet(namespace: string | undefined, name: string): Promise<KubeObject | undefined> {
    try {
      return await this.get(namespace, name);
    } catch (err) {
      if (err instanceof ApiError && err.code === 404) return undefined;
      throw err;
    }
  }

  async list(namespace?: string, filter?: (o: KubeObject) => boolean): Promise<KubeObject[]> {
    return (await this.ctx.storeFor(this.resource).list(namespace, { filter })).items;
  }

  async create(obj: KubeObject): Promise<KubeObject> {
    const admitted = await admitCreate(this.ctx, this.resource, obj, obj.metadata.namespace);
    return persistNew(this.ctx, this.resource, admitted);
  }

  /**
   * Read-modify-write with retries on conflict. `mutate` returns the new object, or undefined
   * to leave it as it is. `statusOnly` writes through the status subresource rules, `subresource`
   * through another one (a CertificateSigningRequest's "approval").
   */
  async update(namespace: string | undefined, name: string, mutate: (current: KubeObject) => KubeObject | undefined, options: WriteOptions = {}): Promise<KubeObject> {
    const store = this.ctx.storeFor(this.resource);
    for (let attempt = 0; ; attempt++) {
      const current = await store.get(namespace, name);
      const wanted = mutate(structuredClone(current));
      if (wanted === undefined) return current;
      const next = await admitUpdate(this.ctx, this.resource, wanted, current, writeOf(options));
      try {
        if (finishedTerminating(next)) return await store.delete(namespace, name, current.metadata.resourceVersion);
        return await store.update(next, current.metadata.resourceVersion);
      } catch (err) {
        if (err instanceof ApiError && err.reason === "Conflict" && attempt < 20) continue;
        throw err;
      }
    }
  }

  /** Compare-and-swap write of an object read earlier; throws Conflict when it changed since. */
  async replace(obj: KubeObject, options: WriteOptions = {}): Promise<KubeObject> {
    const store = this.ctx.storeFor(this.resource);
    const current = await store.get(obj.metadata.namespace, obj.metadata.name!);
    if (current.metadata.resourceVersion !== obj.metadata.resourceVersion) {
      throw new ApiError(409, "Conflict", `${this.resource.plural} "${obj.metadata.name}" changed since it was read`);
    }
    const next = await admitUpdate(this.ctx, this.resource, obj, current, writeOf(options));
    if (finishedTerminating(next)) return store.delete(obj.metadata.namespace, obj.metadata.name!, current.metadata.resourceVersion);
    return store.update(next, current.metadata.resourceVersion);
  }

  delete(namespace: string | undefined, name: string, options: DeleteOptions = {}): Promise<DeleteOutcome> {
    return deleteObject(this.ctx, this.resource, namespace, name, options);
  }
}

/** Clients by plural in the preferred version: `clients.pods`, `clients.deployments`, ... */
export function clientFor(ctx: ApiContext, group: string, version: string, plural: string): ResourceClient {
  const r = findResource(group, version, plural);
  if (!r) throw new Error(`unknown resource ${group}/${version}/${plural}`);
  return new ResourceClient(ctx, r);
}
