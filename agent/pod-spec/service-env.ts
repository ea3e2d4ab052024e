// Service environment variables, as the kubelet makes them (pkg/kubelet/envvars and
// getServiceEnvVarMap in kubelet_pods.go):
//
//   - every Service of the pod's namespace, when spec.enableServiceLinks is not false;
//   - always the `kubernetes` Service of `default` (the "master service"), even with service
//     links off; a Service of the pod's own namespace with the same name wins over it;
//   - Services without a cluster IP (headless, ExternalName) are skipped.
//
// For a Service `redis-primary` at 10.96.0.11 with ports 6379/TCP "redis" and 9121/TCP:
//   REDIS_PRIMARY_SERVICE_HOST=10.96.0.11       REDIS_PRIMARY_SERVICE_PORT=6379
//   REDIS_PRIMARY_SERVICE_PORT_REDIS=6379       REDIS_PRIMARY_PORT=tcp://10.96.0.11:6379
//   REDIS_PRIMARY_PORT_6379_TCP=tcp://10.96.0.11:6379
//   REDIS_PRIMARY_PORT_6379_TCP_PROTO=tcp       REDIS_PRIMARY_PORT_6379_TCP_PORT=6379
//   REDIS_PRIMARY_PORT_6379_TCP_ADDR=10.96.0.11 (and the same four for 9121)

import type { ServiceInfo } from "../../netns/services/catalog";

/** Where the kubelet's master services live, and their names. */
const MASTER_NAMESPACE = "default";
const MASTER_SERVICES = new Set(["kubernetes"]);

/** What this needs of the node's service catalog. */
export interface ServiceLookup {
  inNamespace(namespace: string): ServiceInfo[];
  get(namespace: string, name: string): ServiceInfo | undefined;
}

/** Upper case, `-` → `_` (the kubelet changes nothing else: service names are DNS labels). */
function envName(name: string): string {
  return name.replace(/-/g, "_").toUpperCase();
}

function hostPort(ip: string, port: number): string {
  return ip.includes(":") ? `[${ip}]:${port}` : `${ip}:${port}`;
}

function hasClusterIP(s: ServiceInfo): boolean {
  return !s.headless && s.type !== "ExternalName" && s.clusterIPs.length > 0 && s.clusterIPs[0] !== "None" && s.ports.length > 0;
}

/** The variables of one Service, in the kubelet's order. */
export function variablesOf(s: ServiceInfo): [string, string][] {
  const prefix = envName(s.name);
  const ip = s.clusterIPs[0];
  const out: [string, string][] = [
    [`${prefix}_SERVICE_HOST`, ip],
    [`${prefix}_SERVICE_PORT`, String(s.ports[0].port)],
  ];
  for (const p of s.ports) if (p.name) out.push([`${prefix}_SERVICE_PORT_${envName(p.name)}`, String(p.port)]);
  s.ports.forEach((p, i) => {
    const proto = p.protocol.toLowerCase();
    const url = `${proto}://${hostPort(ip, p.port)}`;
    if (i === 0) out.push([`${prefix}_PORT`, url]);
    const portPrefix = `${prefix}_PORT_${p.port}_${p.protocol.toUpperCase()}`;
    out.push([portPrefix, url], [`${portPrefix}_PROTO`, proto], [`${portPrefix}_PORT`, String(p.port)], [`${portPrefix}_ADDR`, ip]);
  });
  return out;
}

/**
 * The service variables of a pod in `namespace`, ordered by service name so a container's
 * environment does not change between restarts while the Services stay the same.
 */
export function serviceEnvironment(namespace: string, enableServiceLinks: boolean, services: ServiceLookup): Map<string, string> {
  const chosen = new Map<string, ServiceInfo>();
  for (const name of MASTER_SERVICES) {
    const s = services.get(MASTER_NAMESPACE, name);
    if (s && hasClusterIP(s)) chosen.set(name, s);
  }
  if (enableServiceLinks) for (const s of services.inNamespace(namespace)) if (hasClusterIP(s)) chosen.set(s.name, s);
  const env = new Map<string, string>();
  for (const name of [...chosen.keys()].sort()) for (const [k, v] of variablesOf(chosen.get(name)!)) env.set(k, v);
  return env;
}
