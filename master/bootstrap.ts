// Objects every cluster has from its first start: the four system namespaces. Idempotent.

import { ApiError } from "../api/errors";
import { findResource } from "../api/resources";
import { admitCreate } from "./apiserver/admission";
import type { ApiContext } from "./apiserver/context";
import { ResourceClient } from "./apiserver/internal-client";

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

/**
 * The `kubernetes` Service in `default`, at the first address of the service range, as on
 * Kubernetes. Safe to call on every start and from several masters at once: an existing Service
 * is kept, and losing a creation race (AlreadyExists, or 422 for the address already reserved
 * by the winner) means another master made it.
 */
export async function ensureKubernetesService(ctx: ApiContext): Promise<void> {
  const services = new ResourceClient(ctx, findResource("", "v1", "services")!);
  const ip = ctx.network.kubernetesServiceIP;
  const svc = {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: "kubernetes", namespace: "default", labels: { component: "apiserver", provider: "kubernetes" } },
    spec: { type: "ClusterIP", clusterIP: ip, clusterIPs: [ip], ports: [{ name: "https", port: 443, protocol: "TCP", targetPort: 6443 }] },
  };
  for (let attempt = 1; ; attempt++) {
    if (await services.tryGet("default", "kubernetes")) return;
    try {
      await services.create(svc);
      return;
    } catch (err) {
      const lostRace = err instanceof ApiError && (err.reason === "AlreadyExists" || err.code === 422);
      if (!lostRace || attempt >= 40) throw err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}
