// `kubectl get services`: NAME TYPE CLUSTER-IP EXTERNAL-IP PORT(S) AGE | SELECTOR.
//
// PORT(S) is `port/protocol`, or `port:nodePort/protocol` once a node port is allocated.
// EXTERNAL-IP: spec.externalIPs for ClusterIP and NodePort services (`<none>` without any);
// load-balancer ingress IPs or hostnames then externalIPs for LoadBalancer (`<pending>`
// until one is assigned); the DNS name for ExternalName.

import type { Service } from "kubernetes-types/core/v1";
import type { KubeObject } from "../object";
import { AGE_COLUMN, NAME_COLUMN, column, wide } from "./columns";
import { byString, formatLabels, since } from "./format";
import type { KindPrinter, PrintedRow } from "./types";

const columns = [
  NAME_COLUMN,
  column(
    "Type",
    "string",
    'type determines how the Service is exposed. Defaults to ClusterIP. Valid options are ExternalName, ClusterIP, NodePort, and LoadBalancer. "ClusterIP" allocates a cluster-internal IP address for load-balancing to endpoints. Endpoints are determined by the selector or if that is not specified, by manual construction of an Endpoints object or EndpointSlice objects. If clusterIP is "None", no virtual IP is allocated and the endpoints are published as a set of endpoints rather than a virtual IP. "NodePort" builds on ClusterIP and allocates a port on every node which routes to the same endpoints as the clusterIP. "LoadBalancer" builds on NodePort and creates an external load-balancer (if supported in the current cloud) which routes to the same endpoints as the clusterIP. "ExternalName" aliases this service to the specified externalName. Several other fields do not apply to ExternalName services. More info: https://kubernetes.io/docs/concepts/services-networking/service/#publishing-services-service-types',
  ),
  column(
    "Cluster-IP",
    "string",
    'clusterIP is the IP address of the service and is usually assigned randomly. If an address is specified manually, is in-range (as per system configuration), and is not in use, it will be allocated to the service; otherwise creation of the service will fail. This field may not be changed through updates unless the type field is also being changed to ExternalName (which requires this field to be blank) or the type field is being changed from ExternalName (in which case this field may optionally be specified, as describe above).  Valid values are "None", empty string (""), or a valid IP address. Setting this to "None" makes a "headless service" (no virtual IP), which is useful when direct endpoint connections are preferred and proxying is not required.  Only applies to types ClusterIP, NodePort, and LoadBalancer. If this field is specified when creating a Service of type ExternalName, creation will fail. This field will be wiped when updating a Service to type ExternalName. More info: https://kubernetes.io/docs/concepts/services-networking/service/#virtual-ips-and-service-proxies',
  ),
  column(
    "External-IP",
    "string",
    "externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.  These IPs are not managed by Kubernetes.  The user is responsible for ensuring that traffic arrives at a node with this IP.  A common example is external load-balancers that are not part of the Kubernetes system.",
  ),
  column(
    "Port(s)",
    "string",
    "The list of ports that are exposed by this service. More info: https://kubernetes.io/docs/concepts/services-networking/service/#virtual-ips-and-service-proxies",
  ),
  AGE_COLUMN,
  wide(
    "Selector",
    "string",
    "Route service traffic to pods with label keys and values matching this selector. If empty or not present, the service is assumed to have an external process managing its endpoints, which Kubernetes will not modify. Only applies to types ClusterIP, NodePort, and LoadBalancer. Ignored if type is ExternalName. More info: https://kubernetes.io/docs/concepts/services-networking/service/",
  ),
];

/** Ingress IPs (or hostnames where there is no IP), de-duplicated and sorted. */
function loadBalancerAddresses(svc: Service): string[] {
  const found = new Set<string>();
  for (const ing of svc.status?.loadBalancer?.ingress ?? []) {
    if (ing.ip) found.add(ing.ip);
    else if (ing.hostname) found.add(ing.hostname);
  }
  return [...found].sort(byString);
}

function serviceExternalIP(svc: Service): string {
  const externalIPs = svc.spec?.externalIPs ?? [];
  switch (svc.spec?.type ?? "ClusterIP") {
    case "ClusterIP":
    case "NodePort":
      return externalIPs.length > 0 ? externalIPs.join(",") : "<none>";
    case "LoadBalancer": {
      // The server prints wide, so the ingress list is never shortened to 16 characters.
      const all = [...loadBalancerAddresses(svc), ...externalIPs];
      return all.length > 0 ? all.join(",") : "<pending>";
    }
    case "ExternalName":
      return svc.spec?.externalName ?? "";
    default:
      return "<unknown>";
  }
}

function servicePorts(svc: Service): string {
  const ports = (svc.spec?.ports ?? []).map((p) => {
    const protocol = p.protocol ?? "TCP";
    return p.nodePort && p.nodePort > 0 ? `${p.port}:${p.nodePort}/${protocol}` : `${p.port}/${protocol}`;
  });
  return ports.length > 0 ? ports.join(",") : "<none>";
}

function print(obj: KubeObject, now: Date): PrintedRow {
  const svc = obj as unknown as Service;
  // spec.clusterIP is authoritative over clusterIPs[0] when both are set (v1 conversion rule).
  const clusterIP = svc.spec?.clusterIP || svc.spec?.clusterIPs?.[0] || "<none>";
  return {
    cells: [
      obj.metadata.name ?? "",
      svc.spec?.type ?? "ClusterIP",
      clusterIP,
      serviceExternalIP(svc),
      servicePorts(svc),
      since(obj.metadata.creationTimestamp, now),
      formatLabels(svc.spec?.selector),
    ],
  };
}

export const servicePrinter: KindPrinter = { columns, print };
