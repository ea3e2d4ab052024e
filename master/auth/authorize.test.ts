import { test } from "node:test";
import assert from "node:assert/strict";
import type { RequestAttributes } from "./attributes";
import { authorize } from "./authorize";
import { forbiddenByAuthorizer } from "./forbidden";
import type { NodeGraph } from "./node-graph";
import type { User } from "./user";

const admin: User = { name: "kubernetes-admin", groups: ["system:masters", "system:authenticated"] };
const nodeB: User = { name: "system:node:node-b", groups: ["system:nodes", "system:authenticated"] };
const bootstrapper: User = { name: "system:bootstrap:abcdef", groups: ["system:bootstrappers", "system:bootstrappers:kubeadm:default-node-token", "system:authenticated"] };
const anonymous: User = { name: "system:anonymous", groups: ["system:unauthenticated"] };
const alice: User = { name: "alice", groups: ["system:authenticated"] };

// node-b runs default/web, which mounts Secret db and ConfigMap settings; node-a runs default/other (Secret other).
const graph: NodeGraph = {
  podNode: (ns, name) => (ns === "default" ? ({ web: "node-b", other: "node-a" } as Record<string, string>)[name] : undefined),
  nodeReferences: (node, kind, ns, name) => ns === "default" && ((node === "node-b" && ((kind === "Secret" && name === "db") || (kind === "ConfigMap" && name === "settings"))) || (node === "node-a" && kind === "Secret" && name === "other")),
};

function req(user: User, verb: string, resource: string, o: Partial<RequestAttributes> = {}): RequestAttributes {
  const [group, plural] = resource.includes("/") && !resource.startsWith("/") ? splitGroup(resource) : ["", resource];
  return { user, verb, resourceRequest: true, path: "/x", apiGroup: group, apiVersion: "v1", resource: plural, subresource: "", namespace: "", name: "", fieldSelector: [], ...o };
}
function splitGroup(r: string): [string, string] {
  const i = r.lastIndexOf("/");
  return [r.slice(0, i), r.slice(i + 1)];
}
function path(user: User, p: string, verb = "get"): RequestAttributes {
  return { user, verb, resourceRequest: false, path: p, apiGroup: "", apiVersion: "", resource: "", subresource: "", namespace: "", name: "", fieldSelector: [] };
}
const allowed = (a: RequestAttributes) => authorize(a, graph).allowed;
const reason = (a: RequestAttributes) => {
  const d = authorize(a, graph);
  return d.allowed ? "(allowed)" : d.reason;
};

test("system:masters may do anything; other authenticated users too until RBAC lands", () => {
  assert.equal(allowed(req(admin, "delete", "nodes", { name: "node-a" })), true);
  assert.equal(allowed(req(admin, "get", "secrets", { namespace: "kube-system", name: "bootstrap-token-abcdef" })), true);
  assert.equal(allowed(path(admin, "/metrics")), true);
  assert.equal(allowed(req(alice, "create", "apps/deployments", { namespace: "default" })), true);
});

test("metrics: any authenticated user until RBAC; not anonymous users, nodes or bootstrap tokens", () => {
  const proxied = (u: User) => req(u, "get", "nodes", { subresource: "proxy", name: "node-b" });
  assert.equal(allowed(path(alice, "/metrics")), true);
  assert.equal(allowed(proxied(alice)), true);
  for (const u of [anonymous, nodeB, bootstrapper]) {
    assert.equal(allowed(path(u, "/metrics")), false, u.name);
    assert.equal(allowed(proxied(u)), false, `${u.name}: nodes/proxy, even of its own node`);
  }
});

test("anonymous: only cluster-info and the health paths", () => {
  assert.equal(allowed(req(anonymous, "get", "configmaps", { namespace: "kube-public", name: "cluster-info" })), true);
  for (const p of ["/healthz", "/livez", "/readyz", "/version"]) assert.equal(allowed(path(anonymous, p)), true, p);
  assert.equal(allowed(req(anonymous, "list", "configmaps", { namespace: "kube-public" })), false);
  assert.equal(allowed(req(anonymous, "update", "configmaps", { namespace: "kube-public", name: "cluster-info" })), false);
  assert.equal(allowed(req(anonymous, "get", "configmaps", { namespace: "kube-system", name: "cluster-info" })), false);
  assert.equal(allowed(req(anonymous, "get", "secrets", { namespace: "kube-system", name: "x" })), false);
  assert.equal(allowed(path(anonymous, "/api")), false);
  assert.equal(allowed(path(anonymous, "/healthz", "post")), false);
});

test("bootstrap tokens: CertificateSigningRequests only (create, get, list, watch), get of kube-system/gantry-certs, and discovery", () => {
  for (const verb of ["create", "get", "list", "watch"]) assert.equal(allowed(req(bootstrapper, verb, "certificates.k8s.io/certificatesigningrequests")), true, verb);
  assert.equal(allowed(req(bootstrapper, "update", "certificates.k8s.io/certificatesigningrequests", { subresource: "approval", name: "x" })), false, "cannot approve");
  assert.equal(allowed(req(bootstrapper, "delete", "certificates.k8s.io/certificatesigningrequests", { name: "x" })), false);
  assert.equal(allowed(req(bootstrapper, "create", "nodes")), false, "cannot register a node");
  assert.equal(allowed(req(bootstrapper, "get", "secrets", { namespace: "kube-system", name: "bootstrap-token-abcdef" })), false);
  assert.equal(allowed(req(bootstrapper, "list", "pods")), false);
  // The encrypted control-plane certificates: get, and nothing else of Secrets.
  assert.equal(allowed(req(bootstrapper, "get", "secrets", { namespace: "kube-system", name: "gantry-certs" })), true);
  assert.equal(allowed(req(bootstrapper, "update", "secrets", { namespace: "kube-system", name: "gantry-certs" })), false);
  assert.equal(allowed(req(bootstrapper, "delete", "secrets", { namespace: "kube-system", name: "gantry-certs" })), false);
  assert.equal(allowed(req(bootstrapper, "list", "secrets", { namespace: "kube-system" })), false);
  assert.equal(allowed(req(bootstrapper, "watch", "secrets", { namespace: "kube-system", name: "gantry-certs" })), false);
  assert.equal(allowed(req(bootstrapper, "get", "secrets", { namespace: "default", name: "gantry-certs" })), false);
  assert.equal(allowed(path(bootstrapper, "/apis/certificates.k8s.io/v1")), true);
});

test("nodes: Secrets and ConfigMaps only when a pod bound to them references the object", () => {
  assert.equal(allowed(req(nodeB, "get", "secrets", { namespace: "default", name: "db" })), true);
  assert.equal(allowed(req(nodeB, "watch", "secrets", { namespace: "default", name: "db" })), true);
  assert.equal(allowed(req(nodeB, "get", "configmaps", { namespace: "default", name: "settings" })), true);
  assert.equal(reason(req(nodeB, "get", "secrets", { namespace: "default", name: "other" })), "no relationship found between node 'node-b' and this object");
  assert.equal(reason(req(nodeB, "list", "secrets", { namespace: "default" })), "No Object name found");
  assert.equal(reason(req(nodeB, "update", "secrets", { namespace: "default", name: "db" })), "can only read resources of this type");
  assert.equal(reason(req(nodeB, "list", "secrets")), "can only read namespaced object of this type");
});

test("nodes: their own Node; writes to Nodes pass to NodeRestriction", () => {
  assert.equal(allowed(req(nodeB, "get", "nodes", { name: "node-b" })), true);
  assert.equal(reason(req(nodeB, "get", "nodes", { name: "node-a" })), "node 'node-b' cannot read 'node-a', only its own Node object");
  assert.equal(reason(req(nodeB, "list", "nodes")), "node 'node-b' cannot read all nodes, only its own Node object");
  for (const verb of ["create", "update", "patch"]) assert.equal(allowed(req(nodeB, verb, "nodes", { name: "node-a" })), true, verb);
  assert.equal(allowed(req(nodeB, "patch", "nodes", { name: "node-b", subresource: "status" })), true);
  assert.equal(allowed(req(nodeB, "delete", "nodes", { name: "node-b" })), false);
});

test("nodes: their own Lease in kube-node-lease", () => {
  assert.equal(allowed(req(nodeB, "update", "coordination.k8s.io/leases", { namespace: "kube-node-lease", name: "node-b" })), true);
  assert.equal(allowed(req(nodeB, "create", "coordination.k8s.io/leases", { namespace: "kube-node-lease" })), true);
  assert.equal(reason(req(nodeB, "update", "coordination.k8s.io/leases", { namespace: "kube-node-lease", name: "node-a" })), "can only access node lease with the same name as the requesting node");
  assert.equal(reason(req(nodeB, "get", "coordination.k8s.io/leases", { namespace: "kube-system", name: "gantry-master" })), 'can only access leases in the "kube-node-lease" system namespace');
  assert.equal(reason(req(nodeB, "list", "coordination.k8s.io/leases", { namespace: "kube-node-lease" })), "can only get, create, update, patch, or delete a node lease");
});

test("nodes: pods bound to them, a spec.nodeName selector for lists, status and eviction through NodeRestriction", () => {
  assert.equal(allowed(req(nodeB, "get", "pods", { namespace: "default", name: "web" })), true);
  assert.equal(reason(req(nodeB, "get", "pods", { namespace: "default", name: "other" })), "no relationship found between node 'node-b' and this object");
  assert.equal(allowed(req(nodeB, "watch", "pods", { fieldSelector: [{ field: "spec.nodeName", value: "node-b" }] })), true);
  assert.equal(reason(req(nodeB, "list", "pods", { fieldSelector: [{ field: "spec.nodeName", value: "node-a" }] })), "can only list/watch pods with spec.nodeName field selector");
  assert.equal(allowed(req(nodeB, "patch", "pods", { namespace: "default", name: "other", subresource: "status" })), true);
  assert.equal(allowed(req(nodeB, "create", "pods", { namespace: "default", name: "web", subresource: "eviction" })), true);
  assert.equal(allowed(req(nodeB, "create", "pods", { namespace: "default", name: "web", subresource: "exec" })), false);
  assert.equal(allowed(req(nodeB, "update", "pods", { namespace: "default", name: "web" })), false);
});

test("nodes: the system:node static rules for the rest; nothing else", () => {
  assert.equal(allowed(req(nodeB, "create", "events", { namespace: "default" })), true);
  assert.equal(allowed(req(nodeB, "patch", "events.k8s.io/events", { namespace: "default", name: "e" })), true);
  assert.equal(allowed(req(nodeB, "list", "services")), true);
  assert.equal(allowed(req(nodeB, "get", "endpoints", { namespace: "default", name: "kubernetes" })), true);
  assert.equal(allowed(req(nodeB, "create", "certificates.k8s.io/certificatesigningrequests")), true);
  assert.equal(allowed(req(nodeB, "update", "certificates.k8s.io/certificatesigningrequests", { name: "x", subresource: "approval" })), false);
  assert.equal(allowed(req(nodeB, "create", "apps/deployments", { namespace: "default" })), false);
  assert.equal(allowed(req(nodeB, "delete", "namespaces", { name: "default" })), false);
  assert.equal(allowed(path(nodeB, "/apis/apps/v1")), true);
  assert.equal(allowed(path(nodeB, "/metrics")), false);
  const nameless: User = { name: "someone", groups: ["system:nodes"] };
  assert.equal(reason(req(nameless, "get", "services")), 'unknown node for user "someone"');
});

test("denials read like kube-apiserver's", () => {
  const secret = req(nodeB, "get", "secrets", { namespace: "default", name: "other" });
  const err = forbiddenByAuthorizer(secret, reason(secret));
  assert.equal(err.code, 403);
  assert.equal(err.reason, "Forbidden");
  assert.equal(err.message, 'secrets "other" is forbidden: User "system:node:node-b" cannot get resource "secrets" in API group "" in the namespace "default": no relationship found between node \'node-b\' and this object');
  assert.deepEqual(err.toStatus().details, { name: "other", group: undefined, kind: "secrets" });
  const node = req(nodeB, "get", "nodes", { name: "node-a" });
  assert.equal(forbiddenByAuthorizer(node, reason(node)).message, 'nodes "node-a" is forbidden: User "system:node:node-b" cannot get resource "nodes" in API group "" at the cluster scope: node \'node-b\' cannot read \'node-a\', only its own Node object');
  const create = req(bootstrapper, "create", "apps/deployments", { namespace: "default" });
  assert.equal(forbiddenByAuthorizer(create, "").message, 'deployments.apps is forbidden: User "system:bootstrap:abcdef" cannot create resource "deployments" in API group "apps" in the namespace "default"');
  assert.equal(forbiddenByAuthorizer(path(nodeB, "/metrics"), "").message, 'forbidden: User "system:node:node-b" cannot get path "/metrics"');
  const approval = req(bootstrapper, "update", "certificates.k8s.io/certificatesigningrequests", { name: "csr-1", subresource: "approval" });
  assert.equal(forbiddenByAuthorizer(approval, "").message, 'certificatesigningrequests.certificates.k8s.io "csr-1" is forbidden: User "system:bootstrap:abcdef" cannot update resource "certificatesigningrequests/approval" in API group "certificates.k8s.io" at the cluster scope');
});
