// A PodSpec, wherever it appears: in a Pod, or in the pod template of a workload. `isPod` turns on
// the few rules only a real pod gets (host ports must equal container ports under hostNetwork,
// image references of image volumes are required).

import { validateContainers, validateInitContainers } from "./container";
import { validateEphemeralContainers } from "./ephemeral-containers";
import { type FieldCause, child, duplicate, inclusiveRangeError, index, invalid, notSupported, required } from "./field";
import { validateIP } from "./ip";
import { type Obj, arr, isObj, obj, objItems, str } from "./json";
import { validateLabels } from "./meta";
import { isDNS1123Label, isDNS1123Subdomain, isQualifiedName, nameIsDNSSubdomain } from "./names";
import { validateAffinity, validateTolerations, validateTopologySpreadConstraints } from "./scheduling";
import { validateVolumes } from "./volumes";

const RESTART_POLICIES = ["Always", "OnFailure", "Never"];
const DNS_POLICIES = ["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"];
const MAX_INT32 = 2147483647;
const MAX_ID = 4294967295;

export interface PodSpecOptions {
  /** The spec belongs to a Pod rather than a template. */
  isPod: boolean;
  /** Extra names volume mounts may refer to (a StatefulSet's volumeClaimTemplates). */
  extraVolumes?: readonly string[];
}

function validateEnum(value: string, valid: readonly string[], field: string): FieldCause[] {
  if (!value) return [required(field)];
  return valid.includes(value) ? [] : [notSupported(field, value, valid)];
}

function validateDNSConfig(config: unknown, dnsPolicy: string, field: string): FieldCause[] {
  if (dnsPolicy === "None") {
    if (!isObj(config)) return [required(field, "must provide `dnsConfig` when `dnsPolicy` is None")];
    if (arr(config.nameservers).length === 0) {
      return [required(child(field, "nameservers"), "must provide at least one DNS nameserver when `dnsPolicy` is None")];
    }
  }
  if (!isObj(config)) return [];
  const causes: FieldCause[] = [];
  const nameservers = arr(config.nameservers).map(str);
  if (nameservers.length > 3) causes.push(invalid(child(field, "nameservers"), nameservers, "must not have more than 3 nameservers"));
  nameservers.forEach((ns, i) => causes.push(...validateIP(ns, index(child(field, "nameservers"), i))));
  const searches = arr(config.searches).map(str);
  if (searches.length > 32) causes.push(invalid(child(field, "searches"), searches, "must not have more than 32 search paths"));
  if (searches.join(" ").length > 2048) {
    causes.push(invalid(child(field, "searches"), searches, "must not have more than 2048 characters (including spaces) in the search list"));
  }
  searches.forEach((s, i) => {
    const trimmed = s.endsWith(".") ? s.slice(0, -1) : s;
    for (const msg of isDNS1123Subdomain(trimmed)) causes.push(invalid(index(child(field, "searches"), i), trimmed, msg));
  });
  for (const [opt, i] of objItems(config.options)) {
    if (!str(opt.name)) causes.push(required(index(child(field, "options"), i), "must not be empty"));
  }
  return causes;
}

function validatePodSecurityContext(sc: unknown, field: string): FieldCause[] {
  if (!isObj(sc)) return [];
  const causes: FieldCause[] = [];
  for (const idField of ["fsGroup", "runAsUser", "runAsGroup"]) {
    const v = sc[idField];
    if (typeof v === "number" && (v < 0 || v > MAX_ID)) causes.push(invalid(child(field, idField), v, inclusiveRangeError(0, MAX_ID)));
  }
  arr(sc.supplementalGroups).forEach((g, i) => {
    if (typeof g === "number" && (g < 0 || g > MAX_ID)) causes.push(invalid(index(child(field, "supplementalGroups"), i), g, inclusiveRangeError(0, MAX_ID)));
  });
  if (typeof sc.fsGroupChangePolicy === "string" && !["Always", "OnRootMismatch"].includes(sc.fsGroupChangePolicy)) {
    causes.push(notSupported(child(field, "fsGroupChangePolicy"), sc.fsGroupChangePolicy, ["Always", "OnRootMismatch"]));
  }
  const names = new Set<string>();
  for (const [s, i] of objItems(sc.sysctls)) {
    const namePath = child(index(child(field, "sysctls"), i), "name");
    const name = str(s.name);
    if (!name) causes.push(required(namePath));
    else if (names.has(name)) causes.push(duplicate(namePath, name));
    names.add(name);
  }
  return causes;
}

/** Under hostNetwork a pod's host ports are its container ports; templates may leave them 0. */
function validateHostNetworkPorts(spec: Obj, field: string, isPod: boolean): FieldCause[] {
  if (spec.hostNetwork !== true) return [];
  const causes: FieldCause[] = [];
  for (const [ctr, i] of objItems(spec.containers)) {
    for (const [port, j] of objItems(ctr.ports)) {
      const hostPort = typeof port.hostPort === "number" ? port.hostPort : 0;
      if ((isPod || hostPort !== 0) && hostPort !== port.containerPort) {
        const path = child(index(child(index(child(field, "containers"), i), "ports"), j), "hostPort");
        causes.push(invalid(path, hostPort, "must match `containerPort` when `hostNetwork` is true"));
      }
    }
  }
  return causes;
}

function validateNameField(value: unknown, field: string): FieldCause[] {
  const v = str(value);
  return v ? nameIsDNSSubdomain(v, false).map((msg) => invalid(field, v, msg)) : [];
}

export function validatePodSpec(specValue: unknown, field: string, opts: PodSpecOptions): FieldCause[] {
  const spec = obj(specValue);
  const causes: FieldCause[] = [];
  const grace = typeof spec.terminationGracePeriodSeconds === "number" ? spec.terminationGracePeriodSeconds : undefined;
  if (spec.terminationGracePeriodSeconds === undefined || spec.terminationGracePeriodSeconds === null) {
    causes.push(required(child(field, "terminationGracePeriodSeconds")));
  }
  const { causes: volumeCauses, valid } = validateVolumes(spec.volumes, child(field, "volumes"), opts.isPod);
  for (const name of opts.extraVolumes ?? []) if (!valid.has(name)) valid.set(name, { persistentVolumeClaim: { claimName: name } });
  causes.push(
    ...volumeCauses,
    ...validateContainers(spec.containers, valid, grace, child(field, "containers")),
    ...validateInitContainers(spec.initContainers, spec.containers, valid, grace, child(field, "initContainers")),
    ...validateEphemeralContainers(spec.ephemeralContainers, spec, valid, child(field, "ephemeralContainers")),
    ...validateHostNetworkPorts(spec, field, opts.isPod),
    ...validateEnum(str(spec.restartPolicy), RESTART_POLICIES, child(field, "restartPolicy")),
    ...validateEnum(str(spec.dnsPolicy), DNS_POLICIES, child(field, "dnsPolicy")),
    ...validateLabels(spec.nodeSelector, child(field, "nodeSelector")),
    ...validatePodSecurityContext(spec.securityContext, child(field, "securityContext")),
  );
  for (const [secret, i] of objItems(spec.imagePullSecrets)) {
    if (Object.keys(secret).some((k) => k !== "name")) causes.push(invalid(index(child(field, "imagePullSecrets"), i), secret, "only name may be set"));
  }
  causes.push(...validateAffinity(spec.affinity, child(field, "affinity")));
  causes.push(...validateDNSConfig(spec.dnsConfig, str(spec.dnsPolicy), child(field, "dnsConfig")));
  for (const [gate, i] of objItems(spec.readinessGates)) {
    const type = str(gate.conditionType);
    for (const msg of isQualifiedName(type)) causes.push(invalid(child(index(child(field, "readinessGates"), i), "conditionType"), type, msg));
  }
  const gates = new Set<string>();
  for (const [gate, i] of objItems(spec.schedulingGates)) {
    const name = str(gate.name);
    const path = index(child(field, "schedulingGates"), i);
    for (const msg of isQualifiedName(name)) causes.push(invalid(path, name, msg));
    if (gates.has(name)) causes.push(duplicate(path, name));
    gates.add(name);
  }
  causes.push(...validateTopologySpreadConstraints(spec.topologySpreadConstraints, child(field, "topologySpreadConstraints")));
  causes.push(...validateNameField(spec.serviceAccountName, child(field, "serviceAccountName")));
  causes.push(...validateNameField(spec.nodeName, child(field, "nodeName")));
  if (typeof spec.activeDeadlineSeconds === "number" && (spec.activeDeadlineSeconds < 1 || spec.activeDeadlineSeconds > MAX_INT32)) {
    causes.push(invalid(child(field, "activeDeadlineSeconds"), spec.activeDeadlineSeconds, inclusiveRangeError(1, MAX_INT32)));
  }
  for (const f of ["hostname", "subdomain"]) {
    const v = str(spec[f]);
    if (v) for (const msg of isDNS1123Label(v)) causes.push(invalid(child(field, f), v, msg));
  }
  causes.push(...validateTolerations(spec.tolerations, child(field, "tolerations")));
  for (const [alias, i] of objItems(spec.hostAliases)) {
    const path = index(child(field, "hostAliases"), i);
    causes.push(...validateIP(str(alias.ip), child(path, "ip")));
    arr(alias.hostnames).forEach((h, j) => {
      for (const msg of isDNS1123Subdomain(str(h))) causes.push(invalid(index(child(path, "hostnames"), j), str(h), msg));
    });
  }
  causes.push(...validateNameField(spec.priorityClassName, child(field, "priorityClassName")));
  if (typeof spec.runtimeClassName === "string") {
    for (const msg of nameIsDNSSubdomain(spec.runtimeClassName, false)) causes.push(invalid(child(field, "runtimeClassName"), spec.runtimeClassName, msg));
  }
  if (typeof spec.preemptionPolicy === "string") {
    causes.push(...validateEnum(spec.preemptionPolicy, ["PreemptLowerPriority", "Never"], child(field, "preemptionPolicy")));
  }
  if (isObj(spec.os)) {
    const name = str(spec.os.name);
    if (!name) causes.push(required(child(field, "os", "name"), "cannot be empty"));
    else if (name !== "linux" && name !== "windows") causes.push(notSupported(child(field, "os"), name, ["linux", "windows"]));
  }
  return causes;
}
