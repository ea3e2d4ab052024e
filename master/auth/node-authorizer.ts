// The Node authorizer (Kubernetes' plugin/pkg/auth/authorizer/node, with AuthorizeNodeWithSelectors
// as in 1.32): what a node's agent, `system:node:<name>` in `system:nodes`, may do.
//
//   - Secrets, ConfigMaps: get/list/watch single objects a pod bound to the node references;
//   - its own Node (read); create/update/patch Nodes and nodes/status (NodeRestriction admission
//     narrows writes to its own Node);
//   - its own Lease in kube-node-lease;
//   - pods: get pods bound to it, list/watch with `spec.nodeName=<node>`; create/delete,
//     pods/status and pods/eviction (NodeRestriction narrows them to pods bound to it);
//   - the static rules of the system:node role for the rest: read Services, get Endpoints,
//     create/update/patch Events, create/get/list/watch CertificateSigningRequests;
//   - the discovery paths every authenticated user may read.
// Everything else is refused, with upstream's reason where it gives one.

import { ALLOW, deny, type Decision, type RequestAttributes } from "./attributes";
import type { NodeGraph } from "./node-graph";

export const NODE_LEASE_NAMESPACE = "kube-node-lease";

interface StaticRule {
  groups: string[];
  resources: string[];
  verbs: string[];
}

const READ = ["get", "list", "watch"];

/** The system:node role's rules for resources the graph does not subdivide. */
const NODE_RULES: readonly StaticRule[] = [
  { groups: [""], resources: ["services"], verbs: READ },
  { groups: [""], resources: ["endpoints"], verbs: ["get"] },
  { groups: ["", "events.k8s.io"], resources: ["events"], verbs: ["create", "update", "patch"] },
  { groups: ["certificates.k8s.io"], resources: ["certificatesigningrequests"], verbs: ["create", "get", "list", "watch"] },
  { groups: ["authentication.k8s.io"], resources: ["tokenreviews", "selfsubjectreviews"], verbs: ["create"] },
  { groups: ["authorization.k8s.io"], resources: ["subjectaccessreviews", "localsubjectaccessreviews"], verbs: ["create"] },
  // system:basic-user, which upstream binds to every authenticated user (nodes included).
  { groups: ["authorization.k8s.io"], resources: ["selfsubjectaccessreviews", "selfsubjectrulesreviews"], verbs: ["create"] },
];

export function authorizeNode(nodeName: string, a: RequestAttributes, graph: NodeGraph): Decision {
  if (nodeName === "") return deny(`unknown node for user "${a.user.name}"`);
  if (!a.resourceRequest) return discoveryAllowed(a) ? ALLOW : deny();
  switch (`${a.apiGroup}/${a.resource}`) {
    case "/secrets":
      return readNamespacedObject(nodeName, "Secret", a, graph);
    case "/configmaps":
      return readNamespacedObject(nodeName, "ConfigMap", a, graph);
    case "coordination.k8s.io/leases":
      return lease(nodeName, a);
    case "/nodes":
      return node(nodeName, a);
    case "/pods":
      return pod(nodeName, a, graph);
  }
  return staticRulesAllow(a) ? ALLOW : deny();
}

/** Paths of the system:discovery and system:public-info-viewer roles. */
export function discoveryAllowed(a: RequestAttributes): boolean {
  if (a.verb !== "get") return false;
  const p = a.path;
  return ["/livez", "/readyz", "/healthz", "/version", "/version/", "/openapi", "/api", "/apis"].includes(p) || p.startsWith("/openapi/") || p.startsWith("/api/") || p.startsWith("/apis/");
}

function readNamespacedObject(nodeName: string, kind: "Secret" | "ConfigMap", a: RequestAttributes, graph: NodeGraph): Decision {
  if (!READ.includes(a.verb)) return deny("can only read resources of this type");
  if (a.subresource) return deny("cannot read subresource");
  if (!a.namespace) return deny("can only read namespaced object of this type");
  if (!a.name) return deny("No Object name found");
  return graph.nodeReferences(nodeName, kind, a.namespace, a.name) ? ALLOW : deny(`no relationship found between node '${nodeName}' and this object`);
}

function lease(nodeName: string, a: RequestAttributes): Decision {
  if (!["get", "create", "update", "patch", "delete"].includes(a.verb)) return deny("can only get, create, update, patch, or delete a node lease");
  if (a.namespace !== NODE_LEASE_NAMESPACE) return deny(`can only access leases in the "${NODE_LEASE_NAMESPACE}" system namespace`);
  // The name is unknown on create; NodeRestriction checks it there.
  if (a.verb !== "create" && a.name !== nodeName) return deny("can only access node lease with the same name as the requesting node");
  return ALLOW;
}

function node(nodeName: string, a: RequestAttributes): Decision {
  if (a.subresource === "") {
    if (["create", "update", "patch"].includes(a.verb)) return ALLOW;
    if (READ.includes(a.verb)) {
      if (a.name === nodeName) return ALLOW;
      if (a.name === "") return deny(`node '${nodeName}' cannot read all nodes, only its own Node object`);
      return deny(`node '${nodeName}' cannot read '${a.name}', only its own Node object`);
    }
  } else if (a.subresource === "status" && (a.verb === "update" || a.verb === "patch")) {
    return ALLOW;
  }
  return deny();
}

function pod(nodeName: string, a: RequestAttributes, graph: NodeGraph): Decision {
  const related = () => (graph.podNode(a.namespace, a.name) === nodeName ? ALLOW : deny(`no relationship found between node '${nodeName}' and this object`));
  if (a.subresource === "") {
    if (a.verb === "get") return a.name ? related() : deny("No Object name found");
    if (a.verb === "list" || a.verb === "watch") {
      if (a.fieldSelector.some((r) => r.field === "spec.nodeName" && r.value === nodeName)) return ALLOW;
      if (a.name) return related();
      return deny("can only list/watch pods with spec.nodeName field selector");
    }
    if (a.verb === "create" || a.verb === "delete") return ALLOW;
  } else if (a.subresource === "status" && (a.verb === "update" || a.verb === "patch")) {
    return ALLOW;
  } else if (a.subresource === "eviction" && a.verb === "create") {
    return ALLOW;
  }
  return deny();
}

function staticRulesAllow(a: RequestAttributes): boolean {
  const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  return NODE_RULES.some((r) => r.groups.includes(a.apiGroup) && r.resources.includes(resource) && r.verbs.includes(a.verb));
}
