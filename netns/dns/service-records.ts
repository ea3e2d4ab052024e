// The records a Service name stands for, as CoreDNS's kubernetes plugin finds them
// (findServices in plugin/kubernetes/kubernetes.go), before they are shaped into A, AAAA, SRV or
// CNAME answers:
//
//   ExternalName             one CNAME to spec.externalName (never for endpoint names)
//   headless, or a name with an endpoint label
//                            one record per published endpoint address and matching port,
//                            named after the endpoint's hostname or its dashed address
//   ClusterIP                one record per cluster IP and matching port
//
// `_<port>._<proto>` labels keep only the ports with that name and protocol. An empty result
// means the name does not exist (NXDOMAIN), whatever the question's type.

import type { ServiceInfo } from "../services/catalog";
import { endpointLabel, type ClusterName } from "./names";
import { published, type DnsView } from "./view";

export interface ServiceRecord {
  /** The name SRV answers point at: `<svc>.<ns>.svc.<domain>` or `<endpoint>.<svc>.<ns>.svc.<domain>`. */
  target: string;
  /** The address (absent for a CNAME). */
  address?: string;
  /** An ExternalName's target. */
  cname?: string;
  /** The port (absent for an endpoint of a Service without ports, and for a CNAME). */
  port?: number;
}

const matches = (wanted: string, actual: string) => wanted === "" || wanted.toLowerCase() === actual.toLowerCase();

export function serviceRecords(r: ClusterName, view: DnsView): ServiceRecord[] {
  const svc = view.service(r.namespace, r.service);
  if (!svc) return [];
  const serviceName = `${svc.name}.${svc.namespace}.svc.${view.domain}`;
  if (svc.type === "ExternalName") {
    if (r.endpoint !== "" || !svc.externalName) return [];
    return [{ target: serviceName, cname: svc.externalName.toLowerCase().replace(/\.$/, "") }];
  }
  if (svc.headless || r.endpoint !== "") return endpointRecords(svc, r, serviceName);
  const out: ServiceRecord[] = [];
  for (const p of svc.ports) {
    if (!matches(r.port, p.name) || !matches(r.protocol, p.protocol)) continue;
    for (const ip of svc.clusterIPs) out.push({ target: serviceName, address: ip, port: p.port });
  }
  return out;
}

function endpointRecords(svc: ServiceInfo, r: ClusterName, serviceName: string): ServiceRecord[] {
  const out: ServiceRecord[] = [];
  for (const e of svc.endpoints) {
    if (!published(svc, e)) continue;
    for (const address of e.addresses) {
      const label = endpointLabel(e.hostname, address);
      if (r.endpoint !== "" && r.endpoint !== label) continue;
      const target = `${label}.${serviceName}`;
      // A Service without ports still has addresses (CoreDNS adds a port-less placeholder).
      if (e.ports.length === 0) {
        if (r.port === "" && r.protocol === "") out.push({ target, address });
        continue;
      }
      for (const p of e.ports) {
        if (matches(r.port, p.name) && matches(r.protocol, p.protocol)) out.push({ target, address, port: p.port });
      }
    }
  }
  return out;
}
