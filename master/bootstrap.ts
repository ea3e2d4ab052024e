// Objects every cluster has from its first start: the four system namespaces. Idempotent.

import { ApiError } from "../api/errors";
import { findResource } from "../api/resources";
import { admitCreate } from "./apiserver/admission";
import type { ApiContext } from "./apiserver/context";
import { ResourceClient } from "./apiserver/internal-client";
import { KUBERNETES_SERVICE_IP } from "./apiserver/service-allocation";

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

/** The `kubernetes` Service in `default`, at the first address of the service range, as on Kubernetes. */
export async function ensureKubernetesService(ctx: ApiContext): Promise<void> {
  const services = findResource("", "v1", "services")!;
  const svc = {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: "kubernetes", namespace: "default", labels: { component: "apiserver", provider: "kubernetes" } },
    spec: { type: "ClusterIP", clusterIP: KUBERNETES_SERVICE_IP, clusterIPs: [KUBERNETES_SERVICE_IP], ports: [{ name: "https", port: 443, protocol: "TCP", targetPort: 6443 }] },
  };
  try {
    await new ResourceClient(ctx, services).create(svc);
  } catch (err) {
    if (!(err instanceof ApiError && err.reason === "AlreadyExists")) throw err;
  }
}
