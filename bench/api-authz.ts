// What authorization costs per request, measured in-process on the real chain: a real etcd holds
// the default RBAC policy (written by the master's own bootstrap) plus a crowd of other bindings
// (100 namespaces with 3 RoleBindings each, 50 extra ClusterRoleBindings), the master's RBAC cache
// reads them from informers, and `ctx.authorizer.authorize` decides a ConfigMap create for:
//
//   admin       system:masters, the chain's first rule (what the api benchmark's creates pay)
//   edit        a service account with a RoleBinding to `edit` in its namespace: allowed by RBAC
//   denied      a service account with no binding: RBAC walks every binding naming it, finds none
//
// Next to it, the master's CPU per create from the last api benchmark run (bench/results/api.json),
// to see the share; that run's createAsServiceAccount phase measures the same over HTTPS.

import { existsSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { findResource } from "../api/resources";
import type { RequestAttributes } from "../master/auth/attributes";
import { RbacCache } from "../master/auth/rbac-cache";
import { APISERVER_USER } from "../master/auth/internal-users";
import { ensureDefaultRbacPolicy, ensureSystemNamespaces } from "../master/bootstrap";
import { ClusterRoleAggregationController } from "../master/rbac/aggregation-controller";
import { ApiContext } from "../master/registry/context";
import { ResourceClient } from "../master/registry/internal-client";
import { startTestEtcd } from "../master/store/testing";
import { round } from "./stats";

const REQUESTS = Number(process.env.BENCH_API_AUTHZ_REQUESTS ?? 200_000);
const RBAC = "rbac.authorization.k8s.io";

const serviceAccount = (ns: string, name: string) => ({
  name: `system:serviceaccount:${ns}:${name}`,
  groups: ["system:serviceaccounts", `system:serviceaccounts:${ns}`, "system:authenticated"],
});

const createConfigMap = (user: RequestAttributes["user"], namespace: string): RequestAttributes => ({
  user,
  verb: "create",
  resourceRequest: true,
  path: `/api/v1/namespaces/${namespace}/configmaps`,
  apiGroup: "",
  apiVersion: "v1",
  resource: "configmaps",
  subresource: "",
  namespace,
  name: "",
  fieldSelector: [],
});

export async function benchApiAuthz(): Promise<Record<string, unknown>> {
  const etcd = await startTestEtcd();
  const ctx = new ApiContext(etcd.store);
  const cache = new RbacCache(ctx, () => undefined);
  const aggregation = new ClusterRoleAggregationController(ctx, {});
  try {
    await ensureSystemNamespaces(ctx);
    await ensureDefaultRbacPolicy(ctx);
    const bindings = new ResourceClient(ctx, findResource(RBAC, "v1", "rolebindings")!, APISERVER_USER);
    const clusterBindings = new ResourceClient(ctx, findResource(RBAC, "v1", "clusterrolebindings")!, APISERVER_USER);
    const namespaces = new ResourceClient(ctx, findResource("", "v1", "namespaces")!, APISERVER_USER);
    const roleRef = (name: string) => ({ apiGroup: RBAC, kind: "ClusterRole", name });
    for (let n = 0; n < 100; n++) {
      const ns = `team-${n}`;
      await namespaces.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: ns } });
      for (const role of ["view", "edit", "admin"]) {
        await bindings.create({ apiVersion: `${RBAC}/v1`, kind: "RoleBinding", metadata: { name: `${role}-${n}`, namespace: ns }, roleRef: roleRef(role), subjects: [{ kind: "User", apiGroup: RBAC, name: `user-${n}-${role}` }] });
      }
    }
    for (let n = 0; n < 50; n++) {
      await clusterBindings.create({ apiVersion: `${RBAC}/v1`, kind: "ClusterRoleBinding", metadata: { name: `extra-${n}` }, roleRef: roleRef("view"), subjects: [{ kind: "Group", apiGroup: RBAC, name: `auditors-${n}` }] });
    }
    await bindings.create({ apiVersion: `${RBAC}/v1`, kind: "RoleBinding", metadata: { name: "bench-edit", namespace: "team-7" }, roleRef: roleRef("edit"), subjects: [{ kind: "ServiceAccount", name: "bench", namespace: "team-7" }] });
    await cache.start();
    ctx.rbac = cache;
    await aggregation.start();
    const cases = {
      admin: createConfigMap(APISERVER_USER, "team-7"),
      edit: createConfigMap(serviceAccount("team-7", "bench"), "team-7"),
      denied: createConfigMap(serviceAccount("team-7", "nobody"), "team-7"),
    };
    await waitForCache(() => ctx.authorizer.authorize(cases.edit).allowed && cache.roleBindings("team-7").length === 4);
    if (!ctx.authorizer.authorize(cases.edit).allowed) throw new Error("the edit binding never took effect");
    const results: Record<string, { microseconds: number; allowed: boolean }> = {};
    for (const [name, attrs] of Object.entries(cases)) {
      const decide = () => ctx.authorizer.authorize(attrs);
      for (let i = 0; i < 20_000; i++) decide();
      const rounds: number[] = [];
      for (let r = 0; r < 3; r++) {
        const start = process.hrtime.bigint();
        for (let i = 0; i < REQUESTS; i++) decide();
        rounds.push(Number(process.hrtime.bigint() - start) / REQUESTS / 1000);
      }
      results[name] = { microseconds: round(Math.min(...rounds), 2), allowed: decide().allowed };
    }
    const api = path.resolve(__dirname, "../../bench/results/api.json");
    let masterCpuPerCreateUs: number | undefined;
    if (existsSync(api)) {
      const last = JSON.parse(readFileSync(api, "utf8")) as { objects: number; create: { cpuSeconds: { master: number } } };
      masterCpuPerCreateUs = (last.create.cpuSeconds.master / last.objects) * 1e6;
    }
    return {
      benchmark: "api-authz",
      date: new Date().toISOString(),
      machine: { cpus: os.cpus().length, node: process.version },
      policy: { clusterRoleBindings: cache.clusterRoleBindings().length, clusterRoles: cache.clusterRoles().length, roleBindingsInNamespace: cache.roleBindings("team-7").length, namespacesWithBindings: 100 },
      perRequest: results,
      ...(masterCpuPerCreateUs !== undefined ? { masterCpuPerCreateMicroseconds: round(masterCpuPerCreateUs), shareOfCreateCpu: round(results.edit.microseconds / masterCpuPerCreateUs, 4) } : {}),
    };
  } finally {
    await aggregation.stop();
    await cache.stop();
    await ctx.namespaces.stop();
    await etcd.stop();
  }
}

async function waitForCache(ready: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !ready(); i++) await new Promise((r) => setTimeout(r, 25));
}
