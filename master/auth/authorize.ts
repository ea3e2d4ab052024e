// The authorization chain, one pure function the apiserver calls for every request (plain
// requests and streaming upgrades alike):
//
//   1. system:masters                  → allowed (the admin kubeconfig, masters dialling agents)
//   2. nodes (system:node:<n> in system:nodes) → the Node authorizer (node-authorizer.ts)
//   3. bootstrap tokens (system:bootstrappers) → only create/get/list/watch
//      CertificateSigningRequests, `get` of kube-system/secrets/gantry-certs (the encrypted
//      control-plane certificates a joining master downloads; kubeadm grants the same on
//      kubeadm-certs), plus discovery
//   4. anonymous                       → only `get` of kube-public/configmaps/cluster-info and
//      the public health paths (/healthz, /livez, /readyz, /version)
//   5. every other user (people, service accounts, the master's own components) → RBAC
//      (api/rbac: the Roles, ClusterRoles and bindings in `policy`). Without a policy — an
//      ApiContext built in-process by a test, never a master that serves HTTP — this rule allows,
//      as every authenticated user was allowed before RBAC.
//
// The first matching identity decides; nothing falls through to a later rule. A denial carries
// the reason the apiserver appends to Kubernetes' Forbidden message (forbidden.ts).

import { BOOTSTRAPPERS_GROUP } from "../../api/bootstrap/token";
import { CERTS_SECRET_NAME, CERTS_SECRET_NAMESPACE } from "../../api/bootstrap/cert-upload";
import { CLUSTER_INFO_NAME, CLUSTER_INFO_NAMESPACE } from "../../api/bootstrap/cluster-info";
import { rbacAuthorize } from "../../api/rbac/authorizer";
import type { RbacPolicy } from "../../api/rbac/policy";
import { ALLOW, deny, type Decision, type RequestAttributes } from "./attributes";
import { authorizeNode, discoveryAllowed } from "./node-authorizer";
import type { NodeGraph } from "./node-graph";
import { MASTERS_GROUP, isAnonymous, nodeNameOf } from "./user";

const PUBLIC_PATHS = ["/healthz", "/livez", "/readyz", "/version", "/version/"];

export function authorize(a: RequestAttributes, graph: NodeGraph, policy?: RbacPolicy): Decision {
  const groups = a.user.groups;
  if (groups.includes(MASTERS_GROUP)) return ALLOW;
  const nodeName = nodeNameOf(a.user);
  if (nodeName !== undefined) return authorizeNode(nodeName, a, graph);
  if (groups.includes(BOOTSTRAPPERS_GROUP)) return bootstrapper(a);
  if (isAnonymous(a.user)) return anonymous(a);
  if (!policy) return ALLOW;
  const decision = rbacAuthorize(a, policy);
  return decision.allowed ? ALLOW : deny(decision.reason || undefined);
}

/** Whether anonymous users may make this request (the health paths and cluster-info). */
export function anonymousAllowed(a: Pick<RequestAttributes, "resourceRequest" | "verb" | "path" | "apiGroup" | "resource" | "subresource" | "namespace" | "name">): boolean {
  if (a.verb !== "get") return false;
  if (!a.resourceRequest) return PUBLIC_PATHS.includes(a.path);
  return a.apiGroup === "" && a.resource === "configmaps" && a.subresource === "" && a.namespace === CLUSTER_INFO_NAMESPACE && a.name === CLUSTER_INFO_NAME;
}

function anonymous(a: RequestAttributes): Decision {
  return anonymousAllowed(a) ? ALLOW : deny();
}

/** system:node-bootstrapper's rules (ask for a certificate and wait for it), and the certificate upload. */
function bootstrapper(a: RequestAttributes): Decision {
  if (!a.resourceRequest) return discoveryAllowed(a) ? ALLOW : deny();
  const csr = a.apiGroup === "certificates.k8s.io" && a.resource === "certificatesigningrequests" && a.subresource === "";
  if (csr && ["create", "get", "list", "watch"].includes(a.verb)) return ALLOW;
  const uploadedCerts = a.apiGroup === "" && a.resource === "secrets" && a.subresource === "" && a.namespace === CERTS_SECRET_NAMESPACE && a.name === CERTS_SECRET_NAME;
  return uploadedCerts && a.verb === "get" ? ALLOW : deny();
}
