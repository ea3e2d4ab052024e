// Which requests are approved without a person (kube-controller-manager's csrapproving, with
// kubeadm's default permissions in place of SubjectAccessReviews, since RBAC is not here yet):
//
//   - kubelet client requests (signer kube-apiserver-client-kubelet, O=system:nodes,
//     CN=system:node:<name>, client usages, no SANs) from a bootstrap token (system:bootstrappers)
//     — a node joining;
//   - the same from the node itself (requester system:node:<name> = the CN) — a renewal;
//   - kubelet serving requests (signer kubelet-serving) from the node itself when every DNS and
//     IP name is one of the addresses its Node reports.
//
// Everything else stays pending for `kubectl certificate approve|deny`. Nothing is denied
// automatically (upstream neither).

import { BOOTSTRAPPERS_GROUP } from "../../api/bootstrap/token";
import { NODES_GROUP, SIGNER_KUBELET_CLIENT, SIGNER_KUBELET_SERVING, kubeletClientProblem, kubeletServingProblem } from "../../api/certificates/csr";
import { isDecided, parsedRequest, type CsrObject } from "./csr-object";

export interface Approval {
  reason: "AutoApproved";
  message: string;
}

/** Node name → the addresses its Node object lists (status.addresses), if it exists. */
export type NodeAddresses = (nodeName: string) => string[] | undefined;

export function approvalFor(csr: CsrObject, nodeAddresses: NodeAddresses): Approval | undefined {
  if (isDecided(csr) || csr.status?.certificate) return undefined;
  const parsed = parsedRequest(csr);
  if (!parsed) return undefined;
  const spec = csr.spec;
  const usages = spec?.usages ?? [];
  const requester = spec?.username ?? "";
  const groups = spec?.groups ?? [];
  const self = requester === parsed.commonName && groups.includes(NODES_GROUP);
  if (spec?.signerName === SIGNER_KUBELET_CLIENT && kubeletClientProblem(parsed, usages) === undefined) {
    if (self) return { reason: "AutoApproved", message: "Auto approving self kubelet client certificate after SubjectAccessReview." };
    if (groups.includes(BOOTSTRAPPERS_GROUP)) return { reason: "AutoApproved", message: "Auto approving kubelet client certificate after SubjectAccessReview." };
    return undefined;
  }
  if (spec?.signerName === SIGNER_KUBELET_SERVING && self && kubeletServingProblem(parsed, usages) === undefined) {
    const known = nodeAddresses(parsed.commonName.slice("system:node:".length));
    if (!known) return undefined;
    const names = [...parsed.dnsNames, ...parsed.ipAddresses];
    if (names.every((n) => known.includes(n))) return { reason: "AutoApproved", message: "Auto approving kubelet serving certificate: every name is one of the node's addresses." };
  }
  return undefined;
}
