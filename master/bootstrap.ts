// Objects every cluster has from its first start: the four system namespaces, the default RBAC
// policy, the `kubernetes` Service and the cluster DNS Service `kube-system/kube-dns`. Idempotent. Written through the
// registry as kube-apiserver's own loopback user, system:apiserver (system:masters).

import { ApiError } from "../api/errors";
import { findResource } from "../api/resources";
import { defaultClusterRoleBindings, defaultClusterRoles } from "../api/rbac/bootstrap-policy";
import { controllerClusterRoleBindings, controllerClusterRoles, controllerRoleBindings } from "../api/rbac/controller-roles";
import { reconcileDefault, type ReconcileAction } from "../api/rbac/reconcile";
import { APISERVER_USER } from "./auth/internal-users";
import type { ApiContext } from "./registry/context";
import { ResourceClient } from "./registry/internal-client";
import type { KubeObject } from "../api/object";

export const SYSTEM_NAMESPACES = ["default", "kube-system", "kube-public", "kube-node-lease"];

export async function ensureSystemNamespaces(ctx: ApiContext): Promise<void> {
  const namespaces = findResource("", "v1", "namespaces")!;
  for (const name of SYSTEM_NAMESPACES) {
    try {
      await ctx.registry.create(APISERVER_USER, namespaces, { apiVersion: "v1", kind: "Namespace", metadata: { name } });
    } catch (err) {
      if (!(err instanceof ApiError && err.reason === "AlreadyExists")) throw err;
    }
  }
}

/**
 * The `kubernetes` Service in `default`, at the first address of the service range, as on
 * Kubernetes. No selector: the kubernetes endpoints controller lists the live masters.
 */
export function kubernetesService(ip: string): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: "kubernetes", namespace: "default", labels: { component: "apiserver", provider: "kubernetes" } },
    spec: { type: "ClusterIP", clusterIP: ip, clusterIPs: [ip], ports: [{ name: "https", port: 443, protocol: "TCP", targetPort: 6443 }] },
  };
}

export async function ensureKubernetesService(ctx: ApiContext): Promise<void> {
  await ensureSystemService(ctx, kubernetesService(ctx.network.kubernetesServiceIP));
}

/**
 * The cluster DNS Service `kube-system/kube-dns` at `ip` (the range's 10th address), the nameserver in
 * every pod's resolv.conf. No selector: each node's agent answers DNS itself, and the kube-dns
 * endpoints controller lists every node's gateway address as an endpoint; with
 * internalTrafficPolicy Local each node's proxy sends 10.96.0.10:53 to its own node.
 */
export function kubeDnsService(ip: string): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: "kube-dns", namespace: "kube-system", labels: { "k8s-app": "kube-dns" } },
    spec: {
      type: "ClusterIP",
      clusterIP: ip,
      clusterIPs: [ip],
      internalTrafficPolicy: "Local",
      ports: [
        { name: "dns", port: 53, protocol: "UDP", targetPort: 53 },
        { name: "dns-tcp", port: 53, protocol: "TCP", targetPort: 53 },
      ],
    },
  };
}

export async function ensureKubeDnsService(ctx: ApiContext): Promise<void> {
  await ensureSystemService(ctx, kubeDnsService(ctx.network.clusterDnsIP));
}

/**
 * Creates `svc` unless a Service of that name exists (an existing one is kept as it is). Its
 * address is reserved through the same path as any Service's, so nothing else can hold it. Safe
 * on every start and from several masters at once: losing a creation race (AlreadyExists, or
 * 422 for the address the winner reserved) means another master made it.
 */
async function ensureSystemService(ctx: ApiContext, svc: KubeObject): Promise<void> {
  const services = new ResourceClient(ctx, findResource("", "v1", "services")!, APISERVER_USER);
  const { namespace, name } = svc.metadata;
  for (let attempt = 1; ; attempt++) {
    if (await services.tryGet(namespace, name!)) return;
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

/**
 * The default RBAC policy (api/rbac/bootstrap-policy.ts and the controllers' roles), reconciled
 * as kube-apiserver's rbac/bootstrap-roles hook does at every start: missing objects are
 * created, missing rules and subjects added to those still marked autoupdate, nothing removed;
 * an object an admin marked `rbac.authorization.kubernetes.io/autoupdate: "false"` is left alone.
 * Every master runs it; two at once only lose a race, which the registry's retry or the next
 * start settles.
 */
export async function ensureDefaultRbacPolicy(ctx: ApiContext): Promise<void> {
  const roles = new ResourceClient(ctx, findResource("rbac.authorization.k8s.io", "v1", "clusterroles")!, APISERVER_USER);
  const bindings = new ResourceClient(ctx, findResource("rbac.authorization.k8s.io", "v1", "clusterrolebindings")!, APISERVER_USER);
  for (const role of [...defaultClusterRoles(), ...controllerClusterRoles()]) await reconcileOne(roles, role as KubeObject);
  for (const binding of [...defaultClusterRoleBindings(), ...controllerClusterRoleBindings()]) await reconcileOne(bindings, binding as unknown as KubeObject);
  const roleBindings = new ResourceClient(ctx, findResource("rbac.authorization.k8s.io", "v1", "rolebindings")!, APISERVER_USER);
  for (const binding of controllerRoleBindings()) await reconcileOne(roleBindings, binding as unknown as KubeObject);
}

async function reconcileOne(client: ResourceClient, wanted: KubeObject): Promise<void> {
  const name = wanted.metadata.name!;
  const namespace = wanted.metadata.namespace;
  const existing = await client.tryGet(namespace, name);
  const todo = reconcileDefault(existing as never, wanted as never) as ReconcileAction<KubeObject> | undefined;
  if (!todo) return;
  try {
    if (todo.action === "create") await client.create(todo.object);
    else if (todo.action === "update") await client.update(namespace, name, (current) => (current.metadata.resourceVersion === existing?.metadata.resourceVersion ? todo.object : undefined));
    else {
      await client.delete(namespace, name);
      await client.create(todo.object);
    }
  } catch (err) {
    // Another master got there first: what it wrote is the same default.
    if (err instanceof ApiError && (err.reason === "AlreadyExists" || err.code === 404)) return;
    throw err;
  }
}
