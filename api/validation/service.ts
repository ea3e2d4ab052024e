// Services: DNS-1035 names (a Service name becomes a DNS label and environment variable prefix),
// ports, type-specific rules, session affinity, cluster IPs and IP families, traffic policies.
// Once allocated, cluster IPs and IP families never change.

import { type FieldCause, child, deepEqual, duplicate, forbidden, immutable, index, invalid, notSupported, required } from "./field";
import { GoRepr, goStringSlice } from "./go-format";
import { isIPv6, validateCIDR, validateIP, validateNonSpecialIP } from "./ip";
import { type Obj, arr, isObj, obj, objItems, str } from "./json";
import { validateLabels, validateObjectMeta, validateObjectMetaUpdate } from "./meta";
import { isDNS1123Label, isDNS1123Subdomain, isQualifiedName, nameIsDNS1035Label } from "./names";
import { validatePortNumOrName } from "./probes";
import { isValidPortNum } from "./names";

const PROTOCOLS = ["SCTP", "TCP", "UDP"];
const TYPES = ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"];
const MAX_CLIENT_IP_AFFINITY_SECONDS = 86400;
/** The NodePort range from docs/DESIGN.md; the allocator owns the real bookkeeping. */
export const NODE_PORT_RANGE = { min: 30000, max: 32767 };

const clusterIPs = (spec: Obj): string[] => arr(spec.clusterIPs).map(str);
export function isHeadlessService(spec: Obj): boolean {
  const ips = clusterIPs(spec);
  return ips.length === 1 && ips[0] === "None";
}

function servicePortRepr(p: Obj): GoRepr {
  const target = p.targetPort;
  const targetRepr =
    typeof target === "string"
      ? `intstr.IntOrString{Type:1, IntVal:0, StrVal:${JSON.stringify(target)}}`
      : `intstr.IntOrString{Type:0, IntVal:${typeof target === "number" ? target : 0}, StrVal:""}`;
  const app = typeof p.appProtocol === "string" ? `(*string)(${JSON.stringify(p.appProtocol)})` : "(*string)(nil)";
  return new GoRepr(
    `core.ServicePort{Name:${JSON.stringify(str(p.name))}, Protocol:${JSON.stringify(str(p.protocol))}, AppProtocol:${app}, Port:${typeof p.port === "number" ? p.port : 0}, TargetPort:${targetRepr}, NodePort:${typeof p.nodePort === "number" ? p.nodePort : 0}}`,
  );
}

function validateServicePort(p: Obj, requireName: boolean, names: Set<string>, field: string): FieldCause[] {
  const causes: FieldCause[] = [];
  const name = str(p.name);
  if (requireName && !name) causes.push(required(child(field, "name")));
  else if (name) {
    for (const msg of isDNS1123Label(name)) causes.push(invalid(child(field, "name"), name, msg));
    if (names.has(name)) causes.push(duplicate(child(field, "name"), name));
    else names.add(name);
  }
  const port = typeof p.port === "number" ? p.port : 0;
  for (const msg of isValidPortNum(port)) causes.push(invalid(child(field, "port"), port, msg));
  const protocol = str(p.protocol);
  if (!protocol) causes.push(required(child(field, "protocol")));
  else if (!PROTOCOLS.includes(protocol)) causes.push(notSupported(child(field, "protocol"), protocol, PROTOCOLS));
  causes.push(...validatePortNumOrName(p.targetPort, child(field, "targetPort")));
  if (typeof p.appProtocol === "string") {
    for (const msg of isQualifiedName(p.appProtocol)) causes.push(invalid(child(field, "appProtocol"), p.appProtocol, msg));
  }
  return causes;
}

function validateClusterIPFields(spec: Obj): FieldCause[] {
  if (spec.type === "ExternalName") return [];
  const causes: FieldCause[] = [];
  const ips = clusterIPs(spec);
  const clusterIP = str(spec.clusterIP);
  if (clusterIP) {
    if (ips.length === 0) causes.push(required("spec.clusterIPs"));
    else if (ips[0] !== clusterIP) causes.push(invalid("spec.clusterIPs", goStringSlice(ips), "first value must match `clusterIP`"));
  } else if (ips.length > 0) {
    causes.push(invalid("spec.clusterIPs", goStringSlice(ips), "must be empty when `clusterIP` is not specified"));
  }
  const families = arr(spec.ipFamilies).map(str);
  const seen = new Set<string>();
  families.forEach((f, i) => {
    if (f !== "IPv4" && f !== "IPv6") causes.push(notSupported(index("spec.ipFamilies", i), f, ["IPv4", "IPv6"]));
    if (seen.has(f)) causes.push(duplicate(index("spec.ipFamilies", i), f));
    seen.add(f);
  });
  if (typeof spec.ipFamilyPolicy === "string" && !["PreferDualStack", "RequireDualStack", "SingleStack"].includes(spec.ipFamilyPolicy)) {
    causes.push(notSupported("spec.ipFamilyPolicy", spec.ipFamilyPolicy, ["PreferDualStack", "RequireDualStack", "SingleStack"]));
  }
  let badIPs = false;
  ips.forEach((ip, i) => {
    if (i === 0 && ip === "None") {
      if (ips.length > 1) {
        badIPs = true;
        causes.push(invalid("spec.clusterIPs", goStringSlice(ips), "'None' must be the first and only value"));
      }
      return;
    }
    const errs = validateIP(ip, index("spec.clusterIPs", i));
    if (errs.length > 0) badIPs = true;
    causes.push(...errs);
  });
  if (ips.length > 2) causes.push(invalid("spec.clusterIPs", goStringSlice(ips), "may only hold up to 2 values"));
  if (badIPs) return causes;
  if (ips.length > 1 && isIPv6(ips[0]) === isIPv6(ips[1])) {
    causes.push(invalid("spec.clusterIPs", goStringSlice(ips), "may specify no more than one IP for each IP family"));
  }
  if (!isHeadlessService(spec)) {
    ips.forEach((ip, i) => {
      if (i >= families.length) return;
      if (families[i] === "IPv4" && isIPv6(ip)) causes.push(invalid(index("spec.clusterIPs", i), ip, `expected an IPv4 value as indicated by \`ipFamilies[${i}]\``));
      if (families[i] === "IPv6" && !isIPv6(ip)) causes.push(invalid(index("spec.clusterIPs", i), ip, `expected an IPv6 value as indicated by \`ipFamilies[${i}]\``));
    });
  }
  return causes;
}

function validateTrafficPolicies(spec: Obj): FieldCause[] {
  const causes: FieldCause[] = [];
  const type = str(spec.type);
  const externallyAccessible = type === "LoadBalancer" || type === "NodePort" || (type === "ClusterIP" && arr(spec.externalIPs).length > 0);
  const etp = str(spec.externalTrafficPolicy);
  if (!externallyAccessible) {
    if (etp) causes.push(invalid("spec.externalTrafficPolicy", etp, "may only be set for externally-accessible services"));
  } else if (!etp) causes.push(required("spec.externalTrafficPolicy"));
  else if (etp !== "Cluster" && etp !== "Local") causes.push(notSupported("spec.externalTrafficPolicy", etp, ["Cluster", "Local"]));
  const hcnp = typeof spec.healthCheckNodePort === "number" ? spec.healthCheckNodePort : 0;
  if (!(type === "LoadBalancer" && etp === "Local")) {
    if (hcnp !== 0) causes.push(invalid("spec.healthCheckNodePort", hcnp, "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"));
  } else if (hcnp === 0) causes.push(required("spec.healthCheckNodePort"));
  else for (const msg of isValidPortNum(hcnp)) causes.push(invalid("spec.healthCheckNodePort", hcnp, msg));
  const itp = spec.internalTrafficPolicy;
  if (typeof itp !== "string") {
    if (type === "NodePort" || type === "LoadBalancer" || type === "ClusterIP") causes.push(required("spec.internalTrafficPolicy"));
  } else if (itp !== "Cluster" && itp !== "Local") causes.push(notSupported("spec.internalTrafficPolicy", itp, ["Cluster", "Local"]));
  if (typeof spec.trafficDistribution === "string" && spec.trafficDistribution !== "PreferClose") {
    causes.push(notSupported("spec.trafficDistribution", spec.trafficDistribution, ["PreferClose"]));
  }
  return causes;
}

function validateServiceSpec(spec: Obj): FieldCause[] {
  const causes: FieldCause[] = [];
  const type = str(spec.type);
  const headless = isHeadlessService(spec);
  const ports = objItems(spec.ports);
  if (ports.length === 0 && !headless && type !== "ExternalName") causes.push(required("spec.ports"));
  if ((type === "LoadBalancer" || type === "NodePort") && headless) {
    causes.push(invalid(index("spec.clusterIPs", 0), clusterIPs(spec)[0], `may not be set to 'None' for ${type} services`));
  }
  if (type === "ExternalName") {
    if (clusterIPs(spec).length > 0) causes.push(forbidden("spec.clusterIPs", "may not be set for ExternalName services"));
    if (arr(spec.ipFamilies).length > 0) causes.push(forbidden("spec.ipFamilies", "may not be set for ExternalName services"));
    if (spec.ipFamilyPolicy !== undefined && spec.ipFamilyPolicy !== null) causes.push(forbidden("spec.ipFamilyPolicy", "may not be set for ExternalName services"));
    const cname = str(spec.externalName).replace(/\.$/, "");
    if (!cname) causes.push(required("spec.externalName"));
    else for (const msg of isDNS1123Subdomain(cname)) causes.push(invalid("spec.externalName", cname, msg));
  }
  const names = new Set<string>();
  for (const [p, i] of ports) causes.push(...validateServicePort(p, ports.length > 1, names, index("spec.ports", i)));
  if (isObj(spec.selector)) causes.push(...validateLabels(spec.selector, "spec.selector"));

  const affinity = str(spec.sessionAffinity);
  if (!affinity) causes.push(required("spec.sessionAffinity"));
  else if (affinity !== "ClientIP" && affinity !== "None") causes.push(notSupported("spec.sessionAffinity", affinity, ["ClientIP", "None"]));
  if (affinity === "ClientIP") causes.push(...validateClientIPAffinity(spec.sessionAffinityConfig));
  else if (affinity === "None" && isObj(spec.sessionAffinityConfig)) {
    causes.push(forbidden("spec.sessionAffinityConfig", "must not be set when session affinity is None"));
  }
  causes.push(...validateClusterIPFields(spec));
  arr(spec.externalIPs).forEach((ip, i) => {
    const errs = validateIP(str(ip), index("spec.externalIPs", i));
    causes.push(...(errs.length > 0 ? errs : validateNonSpecialIP(str(ip), index("spec.externalIPs", i))));
  });
  if (!type) causes.push(required("spec.type"));
  else if (!TYPES.includes(type)) causes.push(notSupported("spec.type", type, TYPES));

  const nodePorts = new Set<string>();
  const portKeys = new Set<string>();
  for (const [p, i] of ports) {
    const nodePort = typeof p.nodePort === "number" ? p.nodePort : 0;
    if (type === "ClusterIP" && nodePort !== 0) causes.push(forbidden(child(index("spec.ports", i), "nodePort"), "may not be used when `type` is 'ClusterIP'"));
    if (nodePort !== 0) {
      if (nodePort < NODE_PORT_RANGE.min || nodePort > NODE_PORT_RANGE.max) {
        causes.push(
          invalid(child(index("spec.ports", i), "nodePort"), nodePort, `provided port is not in the valid range. The range of valid ports is ${NODE_PORT_RANGE.min}-${NODE_PORT_RANGE.max}`),
        );
      }
      const id = `${str(p.protocol)}/${nodePort}`;
      if (nodePorts.has(id)) causes.push(duplicate(child(index("spec.ports", i), "nodePort"), nodePort));
      nodePorts.add(id);
    }
    const id = `${str(p.protocol)}/${typeof p.port === "number" ? p.port : 0}`;
    if (portKeys.has(id)) causes.push(duplicate(index("spec.ports", i), servicePortRepr({ protocol: p.protocol, port: p.port })));
    portKeys.add(id);
  }
  if (arr(spec.loadBalancerSourceRanges).length > 0) {
    if (type !== "LoadBalancer") causes.push(forbidden("spec.LoadBalancerSourceRanges", "may only be used when `type` is 'LoadBalancer'"));
    arr(spec.loadBalancerSourceRanges).forEach((r, i) => causes.push(...validateCIDR(str(r).trim(), index("spec.LoadBalancerSourceRanges", i))));
  }
  if (spec.allocateLoadBalancerNodePorts !== undefined && spec.allocateLoadBalancerNodePorts !== null && type !== "LoadBalancer") {
    causes.push(forbidden("spec.allocateLoadBalancerNodePorts", "may only be used when `type` is 'LoadBalancer'"));
  }
  if (type === "LoadBalancer" && typeof spec.allocateLoadBalancerNodePorts !== "boolean") causes.push(required("allocateLoadBalancerNodePorts"));
  if (typeof spec.loadBalancerClass === "string") {
    if (type === "LoadBalancer") {
      for (const msg of isQualifiedName(spec.loadBalancerClass)) causes.push(invalid("spec.loadBalancerClass", spec.loadBalancerClass, msg));
    } else causes.push(forbidden("spec.loadBalancerClass", "may only be used when `type` is 'LoadBalancer'"));
  }
  return [...causes, ...validateTrafficPolicies(spec)];
}

function validateClientIPAffinity(config: unknown): FieldCause[] {
  const detail = "when session affinity type is ClientIP";
  if (!isObj(config)) return [required("spec.sessionAffinityConfig", detail)];
  if (!isObj(config.clientIP)) return [required("spec.sessionAffinityConfig.clientIP", detail)];
  const timeout = config.clientIP.timeoutSeconds;
  if (typeof timeout !== "number") return [required("spec.sessionAffinityConfig.clientIP.timeoutSeconds", detail)];
  if (timeout <= 0 || timeout > MAX_CLIENT_IP_AFFINITY_SECONDS) {
    return [invalid("spec.sessionAffinityConfig.clientIP.timeoutSeconds", timeout, `must be greater than 0 and less than ${MAX_CLIENT_IP_AFFINITY_SECONDS}`)];
  }
  return [];
}

export function validateService(svc: Obj): FieldCause[] {
  return [...validateObjectMeta(svc.metadata, true, nameIsDNS1035Label), ...validateServiceSpec(obj(svc.spec))];
}

/** Primary cluster IP and IP family are fixed once allocated; a second family may come or go. */
function validateClusterIPUpdates(spec: Obj, old: Obj): FieldCause[] {
  if (spec.type === "ExternalName" || old.type === "ExternalName") return [];
  const causes: FieldCause[] = [];
  const ips = clusterIPs(spec);
  const oldIPs = clusterIPs(old);
  if (!(isHeadlessService(spec) && isHeadlessService(old))) {
    if (oldIPs.length === ips.length) {
      oldIPs.forEach((ip, i) => {
        if (ip !== ips[i]) causes.push(invalid(index("spec.clusterIPs", i), goStringSlice(ips), "may not change once set"));
      });
    } else if (oldIPs.length > ips.length) {
      if (ips.length === 0) causes.push(invalid(index("spec.clusterIPs", 0), goStringSlice(ips), "primary clusterIP can not be unset"));
      else if (ips[0] !== oldIPs[0]) causes.push(invalid(index("spec.clusterIPs", 0), goStringSlice(ips), "may not change once set"));
      if (ips.length === 1 && spec.ipFamilyPolicy !== "SingleStack") {
        causes.push(invalid("spec.ipFamilyPolicy", spec.ipFamilyPolicy ?? null, "must be set to 'SingleStack' when releasing the secondary clusterIP"));
      }
    } else if (oldIPs.length > 0 && ips[0] !== oldIPs[0]) {
      causes.push(invalid(index("spec.clusterIPs", 0), goStringSlice(ips), "may not change once set"));
    }
  }
  if (isHeadlessService(spec) !== isHeadlessService(old) || isHeadlessService(spec)) return causes;
  const families = arr(spec.ipFamilies).map(str);
  const oldFamilies = arr(old.ipFamilies).map(str);
  const familiesRepr = new GoRepr(`[]core.IPFamily{${families.map((f) => JSON.stringify(f)).join(", ")}}`);
  if (families.length === oldFamilies.length) {
    if (!deepEqual(families, oldFamilies)) causes.push(invalid(index("spec.ipFamilies", 0), familiesRepr, "may not change once set"));
  } else if (oldFamilies.length > families.length) {
    if (ips.length === 0) causes.push(invalid(index("spec.ipFamilies", 0), familiesRepr, "primary ipFamily can not be unset"));
    if (families.length > 0 && families[0] !== oldFamilies[0]) causes.push(invalid(index("spec.ipFamilies", 0), goStringSlice(ips), "may not change once set"));
    if (families.length === 1 && spec.ipFamilyPolicy !== "SingleStack") {
      causes.push(invalid("spec.ipFamilyPolicy", spec.ipFamilyPolicy ?? null, "must be set to 'SingleStack' when releasing the secondary ipFamily"));
    }
  } else if (oldFamilies.length > 0 && families.length > 0 && families[0] !== oldFamilies[0]) {
    causes.push(invalid(index("spec.ipFamilies", 0), goStringSlice(ips), "may not change once set"));
  }
  return causes;
}

export function validateServiceUpdate(next: Obj, prev: Obj): FieldCause[] {
  const spec = obj(next.spec);
  const old = obj(prev.spec);
  const causes = [...validateObjectMetaUpdate(next.metadata, prev.metadata), ...validateClusterIPUpdates(spec, old)];
  if (old.type === "LoadBalancer" && spec.type === "LoadBalancer") {
    causes.push(...immutable(spec.loadBalancerClass ?? null, old.loadBalancerClass ?? null, "spec.loadBalancerClass").map((c) => ({ ...c, message: c.message.replace("field is immutable", "may not change once set") })));
  }
  const needsHC = (s: Obj): boolean => s.type === "LoadBalancer" && s.externalTrafficPolicy === "Local";
  if (needsHC(spec) && needsHC(old) && spec.healthCheckNodePort !== old.healthCheckNodePort) {
    causes.push(forbidden("spec.healthCheckNodePort", "field is immutable"));
  }
  return [...causes, ...validateServiceSpec(spec)];
}
