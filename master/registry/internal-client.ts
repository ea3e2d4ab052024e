// The API as code inside the master sees it: controllers, the scheduler, the dispatcher and the
// master's bootstrap write through the registry (registry.ts) as a named user
// (master/auth/internal-users.ts), so their writes are authorized and admitted exactly as
// kubectl's are, without HTTP in between. Reads go to the store directly (informers do the
// bulk of the reading) and are not authorized.

import { ApiError } from "../../api/errors";
import type { KubeObject } from "../../api/object";
import { findResource, type ResourceType } from "../../api/resources";
import type { User } from "../auth/user";
import type { UpdateSubresource } from "./admission";
import type { ApiContext } from "./context";
import type { DeleteOptions, DeleteOutcome } from "./deletion";

export interface WriteOptions {
  /** Shorthand for `subresource: "status"`. */
  statusOnly?: boolean;
  subresource?: UpdateSubresource;
}

function subresourceOf(o: WriteOptions): UpdateSubresource | undefined {
  return o.subresource ?? (o.statusOnly ? "status" : undefined);
}

export class ResourceClient {
  constructor(
    private readonly ctx: ApiContext,
    readonly resource: ResourceType,
    /** Who writes: authorization and admission see this user. */
    readonly user: User,
  ) {}

  /** The same resource, written as another user (the dispatcher writes as each node). */
  as(user: User): ResourceClient {
    return new ResourceClient(this.ctx, this.resource, user);
  }

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

  create(obj: KubeObject): Promise<KubeObject> {
    return this.ctx.registry.create(this.user, this.resource, obj);
  }

  /**
   * Read-modify-write with retries on conflict. `mutate` gets a copy of the stored object and
   * returns the new one, or undefined to leave it as it is. `statusOnly` writes through the
   * status subresource rules, `subresource` through another one (a CertificateSigningRequest's
   * "approval", a Namespace's "finalize").
   */
  update(namespace: string | undefined, name: string, mutate: (current: KubeObject) => KubeObject | undefined, options: WriteOptions = {}): Promise<KubeObject> {
    return this.ctx.registry.update(this.user, { resource: this.resource, namespace, name }, (current) => mutate(structuredClone(current)), { subresource: subresourceOf(options) });
  }

  /** Compare-and-swap write of an object read earlier; throws Conflict when it changed since. */
  replace(obj: KubeObject, options: WriteOptions = {}): Promise<KubeObject> {
    const name = obj.metadata.name!;
    return this.ctx.registry.update(
      this.user,
      { resource: this.resource, namespace: obj.metadata.namespace, name },
      (current) => {
        if (current.metadata.resourceVersion !== obj.metadata.resourceVersion) throw new ApiError(409, "Conflict", `${this.resource.plural} "${name}" changed since it was read`);
        return obj;
      },
      { subresource: subresourceOf(options) },
    );
  }

  delete(namespace: string | undefined, name: string, options: DeleteOptions = {}): Promise<DeleteOutcome> {
    return this.ctx.registry.delete(this.user, { resource: this.resource, namespace, name }, options);
  }
}

/** A client of a resource by plural in the preferred version, writing as `user`. */
export function clientFor(ctx: ApiContext, group: string, version: string, plural: string, user: User): ResourceClient {
  const r = findResource(group, version, plural);
  if (!r) throw new Error(`unknown resource ${group}/${version}/${plural}`);
  return new ResourceClient(ctx, r, user);
}
