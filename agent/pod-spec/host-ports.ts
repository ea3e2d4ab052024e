// The pod's hostPorts as CNI portMappings (the portmap plugin's runtimeConfig), as the kubelet
// builds them: every port of the pod's containers with a hostPort, protocol in lower case,
// hostIP kept when set. Duplicates (the same mapping declared twice) are passed once.

import type { Pod } from "kubernetes-types/core/v1";
import type { PortMapping } from "../../netns/cni/types";

export function hostPortMappings(pod: Pod): PortMapping[] {
  const out = new Map<string, PortMapping>();
  for (const c of pod.spec?.containers ?? []) {
    for (const p of c.ports ?? []) {
      if (!p.hostPort || p.hostPort <= 0) continue;
      const protocol = (p.protocol ?? "TCP").toLowerCase() as PortMapping["protocol"];
      const m: PortMapping = { hostPort: p.hostPort, containerPort: p.containerPort, protocol, ...(p.hostIP ? { hostIP: p.hostIP } : {}) };
      out.set(JSON.stringify(m), m);
    }
  }
  return [...out.values()];
}
