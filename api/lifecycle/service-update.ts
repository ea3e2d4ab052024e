// Updating a Service must not lose what the apiserver allocated. `kubectl replace` sends the
// manifest, which rarely carries clusterIP or nodePort; like Kubernetes' service registry,
// allocated values the client left out are carried over from the stored object (a client that
// changes them still gets "may not change once set" from validation).

import type { KubeObject } from "../object";
import { isObj, str } from "../validation/json";

type Spec = Record<string, unknown>;

const needsClusterIP = (s: Spec): boolean => s.type !== "ExternalName";
const needsNodePort = (s: Spec): boolean => s.type === "NodePort" || s.type === "LoadBalancer";
const needsHealthCheck = (s: Spec): boolean => s.type === "LoadBalancer" && s.externalTrafficPolicy === "Local";
const ports = (s: Spec): Spec[] => (Array.isArray(s.ports) ? s.ports.filter(isObj) : []);
const ips = (s: Spec): string[] => (Array.isArray(s.clusterIPs) ? s.clusterIPs.map(str) : []);
const sameIPs = (a: Spec, b: Spec): boolean => ips(a).length === ips(b).length && ips(a).every((ip, i) => ip === ips(b)[i]);

/** Kubernetes' NormalizeClusterIPs for updates: keep singular and plural fields in step. */
function normalizeClusterIPs(next: Spec, prev: Spec): void {
  if (ips(prev).length > 0 && ips(next).length === 0 && str(prev.clusterIP) === str(next.clusterIP)) next.clusterIPs = prev.clusterIPs;
  if (str(prev.clusterIP) !== str(next.clusterIP)) {
    if (str(prev.clusterIP) && !str(next.clusterIP)) {
      if (sameIPs(prev, next)) delete next.clusterIPs;
    } else if (sameIPs(prev, next)) next.clusterIPs = [next.clusterIP];
  }
}

export function patchServiceUpdate(next: KubeObject, prev: KubeObject): void {
  if (!isObj(next.spec) || !isObj(prev.spec)) return;
  const spec = next.spec;
  const old = prev.spec;
  if (needsClusterIP(old) && needsClusterIP(spec)) {
    if (!str(spec.clusterIP) && str(old.clusterIP)) spec.clusterIP = old.clusterIP;
    if (ips(spec).length === 0 && ips(old).length > 0) spec.clusterIPs = old.clusterIPs;
    if (!Array.isArray(spec.ipFamilies) && Array.isArray(old.ipFamilies)) spec.ipFamilies = old.ipFamilies;
    if (spec.ipFamilyPolicy === undefined && old.ipFamilyPolicy !== undefined) spec.ipFamilyPolicy = old.ipFamilyPolicy;
  }
  normalizeClusterIPs(spec, old);
  if (needsNodePort(old) && needsNodePort(spec)) {
    const nodePortOf = (p: Spec): number => (typeof p.nodePort === "number" ? p.nodePort : 0);
    const newUsed = new Set(ports(spec).map(nodePortOf).filter((n) => n !== 0));
    const used = new Set(ports(old).map(nodePortOf).filter((n) => n !== 0 && newUsed.has(n)));
    const byName = new Map(ports(old).map((p) => [str(p.name), nodePortOf(p)]));
    for (const p of ports(spec)) {
      if (nodePortOf(p) !== 0) continue;
      const previous = byName.get(str(p.name)) ?? 0;
      if (previous !== 0 && !used.has(previous)) p.nodePort = previous;
    }
  }
  if (needsHealthCheck(old) && needsHealthCheck(spec) && !spec.healthCheckNodePort) spec.healthCheckNodePort = old.healthCheckNodePort;
}
