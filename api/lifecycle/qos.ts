// Pod QoS class, as the kubelet and scheduler use it for eviction order:
//   Guaranteed — every container sets CPU and memory limits, and requests equal limits;
//   BestEffort — no container requests or limits CPU or memory;
//   Burstable  — anything in between.
// A missing request counts as equal to its limit (the apiserver defaults it so), which keeps the
// answer the same whether or not the pod has been defaulted yet.

import type { KubeObject } from "../object";
import { Quantity } from "../quantity";
import { isObj } from "../validation/json";

export type QosClass = "Guaranteed" | "Burstable" | "BestEffort";

const QOS_RESOURCES = ["cpu", "memory"];

function positive(list: unknown, name: string): Quantity | undefined {
  if (!isObj(list)) return undefined;
  const q = Quantity.tryParse(list[name]);
  return q && q.sign() > 0 ? q : undefined;
}

export function computeQosClass(pod: KubeObject): QosClass {
  const spec = isObj(pod.spec) ? pod.spec : {};
  const containers = [spec.containers, spec.initContainers].flatMap((l) => (Array.isArray(l) ? l.filter(isObj) : []));
  const requests = new Map<string, Quantity>();
  const limits = new Map<string, Quantity>();
  let guaranteed = true;
  const add = (m: Map<string, Quantity>, name: string, q: Quantity): void => {
    m.set(name, m.has(name) ? m.get(name)!.add(q) : q);
  };
  for (const ctr of containers) {
    const resources = isObj(ctr.resources) ? ctr.resources : {};
    const limitsFound = new Set<string>();
    for (const name of QOS_RESOURCES) {
      const limit = positive(resources.limits, name);
      const explicitRequest = isObj(resources.requests) ? Quantity.tryParse(resources.requests[name]) : undefined;
      const request = explicitRequest ?? limit;
      if (request && request.sign() > 0) add(requests, name, request);
      if (limit) {
        limitsFound.add(name);
        add(limits, name, limit);
      }
    }
    if (limitsFound.size < QOS_RESOURCES.length) guaranteed = false;
  }
  if (requests.size === 0 && limits.size === 0) return "BestEffort";
  if (guaranteed) {
    for (const [name, req] of requests) {
      const lim = limits.get(name);
      if (!lim || lim.cmp(req) !== 0) {
        guaranteed = false;
        break;
      }
    }
  }
  return guaranteed && requests.size === limits.size ? "Guaranteed" : "Burstable";
}
