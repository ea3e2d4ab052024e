// Objects every cluster has from its first start: the four system namespaces. Idempotent.

import { ApiError } from "../api/errors";
import { findResource } from "../api/resources";
import { admitCreate } from "./apiserver/admission";
import type { ApiContext } from "./apiserver/context";

export const SYSTEM_NAMESPACES = ["default", "kube-system", "kube-public", "kube-node-lease"];

export async function ensureSystemNamespaces(ctx: ApiContext): Promise<void> {
  const namespaces = findResource("", "v1", "namespaces")!;
  for (const name of SYSTEM_NAMESPACES) {
    try {
      const ns = await admitCreate(ctx, namespaces, { apiVersion: "v1", kind: "Namespace", metadata: { name } }, undefined);
      await ctx.storeFor(namespaces).create(ns);
    } catch (err) {
      if (!(err instanceof ApiError && err.reason === "AlreadyExists")) throw err;
    }
  }
}
