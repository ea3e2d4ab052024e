// Service defaults (SetDefaults_Service) plus what the service registry fills in on create:
// `clusterIPs` mirrors `clusterIP`, and IP families follow Gantry's single-stack IPv4 service
// CIDR. Allocating the cluster IP and node ports is the apiserver's job, not a default.

import { type Obj, ensureObj, isObj, objList, setIfAbsent, setIfEmpty, str } from "./util";

/** Kubernetes' DefaultClientIPServiceAffinitySeconds (3 hours). */
const DEFAULT_AFFINITY_SECONDS = 10800;
/** The service range (`gantry master --service-cluster-ip-range`, 10.96.0.0/12) is IPv4 only. */
const PRIMARY_FAMILY = "IPv4";
const SECONDARY_FAMILY = "IPv6";

function defaultSessionAffinity(spec: Obj): void {
  setIfEmpty(spec, "sessionAffinity", "None");
  if (spec.sessionAffinity === "None") delete spec.sessionAffinityConfig;
  if (spec.sessionAffinity === "ClientIP") {
    const config = isObj(spec.sessionAffinityConfig) ? spec.sessionAffinityConfig : undefined;
    const clientIP = config && isObj(config.clientIP) ? config.clientIP : undefined;
    if (!clientIP || typeof clientIP.timeoutSeconds !== "number") {
      spec.sessionAffinityConfig = { clientIP: { timeoutSeconds: DEFAULT_AFFINITY_SECONDS } };
    }
  }
}

function defaultIPFamilies(spec: Obj): void {
  if (spec.type === "ExternalName") return;
  // Older clients only know the singular field; the plural one must agree with it.
  const clusterIP = str(spec.clusterIP);
  const clusterIPs = Array.isArray(spec.clusterIPs) ? spec.clusterIPs : [];
  if (clusterIP && clusterIPs.length === 0) spec.clusterIPs = [clusterIP];
  if (!clusterIP && clusterIPs.length > 0 && typeof clusterIPs[0] === "string") spec.clusterIP = clusterIPs[0];
  const families = Array.isArray(spec.ipFamilies) ? spec.ipFamilies : [];
  const ips = Array.isArray(spec.clusterIPs) ? spec.clusterIPs : [];
  const headless = ips.length === 1 && ips[0] === "None";
  const selectorless = !isObj(spec.selector) || Object.keys(spec.selector).length === 0;
  if (headless && selectorless) {
    // Endpoints of a selectorless headless service may be of either family.
    setIfAbsent(spec, "ipFamilyPolicy", "RequireDualStack");
    if (families.length === 0) spec.ipFamilies = [PRIMARY_FAMILY, SECONDARY_FAMILY];
    return;
  }
  setIfAbsent(spec, "ipFamilyPolicy", "SingleStack");
  if (families.length === 0) spec.ipFamilies = [PRIMARY_FAMILY];
}

export function defaultService(svc: Obj): void {
  const spec = ensureObj(svc, "spec");
  defaultSessionAffinity(spec);
  setIfEmpty(spec, "type", "ClusterIP");
  for (const port of objList(spec, "ports")) {
    setIfEmpty(port, "protocol", "TCP");
    if (port.targetPort === undefined || port.targetPort === null || port.targetPort === 0 || port.targetPort === "") {
      port.targetPort = port.port;
    }
  }
  const type = spec.type;
  const externalIPs = Array.isArray(spec.externalIPs) ? spec.externalIPs : [];
  const externallyAccessible = type === "LoadBalancer" || type === "NodePort" || (type === "ClusterIP" && externalIPs.length > 0);
  if (externallyAccessible) setIfEmpty(spec, "externalTrafficPolicy", "Cluster");
  if (type === "NodePort" || type === "LoadBalancer" || type === "ClusterIP") setIfAbsent(spec, "internalTrafficPolicy", "Cluster");
  if (type === "LoadBalancer") setIfAbsent(spec, "allocateLoadBalancerNodePorts", true);
  defaultIPFamilies(spec);
}
