// `kubectl get nodes`: NAME STATUS ROLES AGE VERSION
// | INTERNAL-IP EXTERNAL-IP OS-IMAGE KERNEL-VERSION CONTAINER-RUNTIME.
//
// STATUS is `Ready` or `NotReady` from the Ready condition (`Unknown` without one), plus
// `,SchedulingDisabled` for a cordoned node. ROLES come from `node-role.kubernetes.io/<role>`
// label keys and the older `kubernetes.io/role=<role>` label, sorted; `<none>` without any.

import type { Node } from "kubernetes-types/core/v1";
import type { KubeObject } from "../object";
import { AGE_COLUMN, NAME_COLUMN, column, wide } from "./columns";
import { byString, since } from "./format";
import type { KindPrinter, PrintedRow } from "./types";

const ROLE_LABEL_PREFIX = "node-role.kubernetes.io/";
const LEGACY_ROLE_LABEL = "kubernetes.io/role";

const ADDRESSES_DOC =
  "List of addresses reachable to the node. Queried from cloud provider, if available. More info: https://kubernetes.io/docs/concepts/nodes/node/#addresses Note: This field is declared as mergeable, but the merge key is not sufficiently unique, which can cause data corruption when it is merged. Callers should instead use a full-replacement patch. See https://pr.k8s.io/79391 for an example. Consumers should assume that addresses can change during the lifetime of a Node. However, there are some exceptions where this may not be possible, such as Pods that inherit a Node's address in its own status or consumers of the downward API (status.hostIP).";

const columns = [
  NAME_COLUMN,
  column("Status", "string", "The status of the node"),
  column("Roles", "string", "The roles of the node"),
  AGE_COLUMN,
  column("Version", "string", "Kubelet Version reported by the node."),
  wide("Internal-IP", "string", ADDRESSES_DOC),
  wide("External-IP", "string", ADDRESSES_DOC),
  wide("OS-Image", "string", "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy))."),
  wide("Kernel-Version", "string", "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64)."),
  wide(
    "Container-Runtime",
    "string",
    "ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).",
  ),
];

function nodeStatus(node: Node): string {
  // With duplicate Ready conditions the last one wins, as in Kubernetes' printer.
  const ready = (node.status?.conditions ?? []).filter((c) => c.type === "Ready").pop();
  const parts = [ready === undefined ? "Unknown" : ready.status === "True" ? "Ready" : "NotReady"];
  if (node.spec?.unschedulable) parts.push("SchedulingDisabled");
  return parts.join(",");
}

function nodeRoles(node: Node): string {
  const roles = new Set<string>();
  for (const [key, value] of Object.entries(node.metadata?.labels ?? {})) {
    if (key.startsWith(ROLE_LABEL_PREFIX)) {
      const role = key.slice(ROLE_LABEL_PREFIX.length);
      if (role) roles.add(role);
    } else if (key === LEGACY_ROLE_LABEL && value) {
      roles.add(value);
    }
  }
  return roles.size === 0 ? "<none>" : [...roles].sort(byString).join(",");
}

function address(node: Node, type: string): string {
  return (node.status?.addresses ?? []).find((a) => a.type === type)?.address ?? "<none>";
}

function print(obj: KubeObject, now: Date): PrintedRow {
  const node = obj as unknown as Node;
  const info = node.status?.nodeInfo;
  return {
    cells: [
      obj.metadata.name ?? "",
      nodeStatus(node),
      nodeRoles(node),
      since(obj.metadata.creationTimestamp, now),
      info?.kubeletVersion ?? "",
      address(node, "InternalIP"),
      address(node, "ExternalIP"),
      info?.osImage || "<unknown>",
      info?.kernelVersion || "<unknown>",
      info?.containerRuntimeVersion || "<unknown>",
    ],
  };
}

export const nodePrinter: KindPrinter = { columns, print };
