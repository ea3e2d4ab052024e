// Writes what static-endpoints.ts computes for a selector-less Service: its Endpoints, its
// slices, and removes slices of ours it no longer needs. Writes only what differs, so a resync
// of an unchanged Service costs reads from the API's store and nothing else.

import { applyDefaults } from "../../api/defaults";
import { ApiError } from "../../api/errors";
import type { KubeObject } from "../../api/object";
import { findResource } from "../../api/resources";
import type { ApiContext } from "../registry/context";
import { ResourceClient } from "../registry/internal-client";
import type { User } from "../auth/user";
import { desiredStaticEndpoints, desiredStaticSlices, isStaticSlice, mergeInto, needsWrite, type StaticEndpoint, type StaticService } from "./static-endpoints";

const ENDPOINTS = findResource("", "v1", "endpoints")!;
const SLICES = findResource("discovery.k8s.io", "v1", "endpointslices")!;

export class StaticEndpointsWriter {
  private readonly endpoints: ResourceClient;
  private readonly slices: ResourceClient;

  constructor(ctx: ApiContext, user: User) {
    this.endpoints = new ResourceClient(ctx, ENDPOINTS, user);
    this.slices = new ResourceClient(ctx, SLICES, user);
  }

  /** Brings the Service's Endpoints and slices to `wanted`. `raced` is called when a create
   *  lost to a concurrent one (the caller syncs again). */
  async sync(svc: StaticService, service: KubeObject, wanted: readonly StaticEndpoint[], raced: () => void): Promise<void> {
    await this.write(this.endpoints, desiredStaticEndpoints(svc, wanted), raced);
    const desired = desiredStaticSlices(svc, service, wanted);
    for (const slice of desired) await this.write(this.slices, slice, raced);
    const keep = new Set(desired.map((s) => s.metadata.name));
    for (const stale of await this.slices.list(svc.namespace, (o) => isStaticSlice(svc, o))) {
      if (keep.has(stale.metadata.name)) continue;
      await this.slices.delete(svc.namespace, stale.metadata.name!, { preconditions: { uid: stale.metadata.uid } }).catch(ignoreNotFound);
    }
  }

  /**
   * Creates `desired`, or updates what is stored when it differs in what we set. Compared as it
   * would be stored (defaulted: a slice's empty `endpoints` reads back as null), or a Service
   * without endpoints would be written again on every event its own write causes.
   */
  private async write(client: ResourceClient, desired: KubeObject, raced: () => void): Promise<void> {
    const { namespace, name } = desired.metadata;
    const current = await client.tryGet(namespace, name!);
    if (!current) {
      await client.create(desired).catch((err) => (err instanceof ApiError && err.reason === "AlreadyExists" ? raced() : Promise.reject(err)));
      return;
    }
    const stored = applyDefaults(desired.kind!, desired);
    if (!needsWrite(current, stored)) return;
    await client.update(namespace, name!, (latest) => (needsWrite(latest, stored) ? mergeInto(latest, stored) : undefined));
  }
}

function ignoreNotFound(err: unknown): void {
  if (!(err instanceof ApiError && err.code === 404)) throw err;
}
