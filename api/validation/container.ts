// Containers and init containers: DNS-label names unique across both lists, an image, ports,
// environment, volume mounts that name a declared volume, pull and termination-message policies,
// resources, probes and the container security context. Ephemeral containers share the common
// rules (ephemeral-containers.ts).

import { validateEnv, validateEnvFrom } from "./env";
import { type FieldCause, child, duplicate, forbidden, index, invalid, notFound, notSupported, required } from "./field";
import { type Obj, isObj, obj, objItems, str } from "./json";
import { inclusiveRangeError } from "./field";
import { isDNS1123Label, isValidPortName, isValidPortNum } from "./names";
import { type ProbeKind, validateLifecycle, validateProbeOf } from "./probes";
import { validateResourceRequirements } from "./resources";
import { validateLocalDescendingPath, volumeSourceKind } from "./volumes";

const PROTOCOLS = ["SCTP", "TCP", "UDP"];
const PULL_POLICIES = ["Always", "IfNotPresent", "Never"];
const TERMINATION_MESSAGE_POLICIES = ["File", "FallbackToLogsOnError"];
const MOUNT_PROPAGATIONS = ["Bidirectional", "HostToContainer", "None"];
const PROBES: readonly ProbeKind[] = ["livenessProbe", "readinessProbe", "startupProbe"];
const MAX_ID = 4294967295;

function validatePorts(ports: unknown, field: string): FieldCause[] {
  const causes: FieldCause[] = [];
  const names = new Set<string>();
  for (const [port, i] of objItems(ports)) {
    const path = index(field, i);
    const name = str(port.name);
    if (name) {
      const errs = isValidPortName(name);
      if (errs.length > 0) causes.push(...errs.map((msg) => invalid(child(path, "name"), name, msg)));
      else if (names.has(name)) causes.push(duplicate(child(path, "name"), name));
      else names.add(name);
    }
    const containerPort = typeof port.containerPort === "number" ? port.containerPort : 0;
    if (containerPort === 0) causes.push(required(child(path, "containerPort")));
    else for (const msg of isValidPortNum(containerPort)) causes.push(invalid(child(path, "containerPort"), containerPort, msg));
    if (typeof port.hostPort === "number" && port.hostPort !== 0) {
      for (const msg of isValidPortNum(port.hostPort)) causes.push(invalid(child(path, "hostPort"), port.hostPort, msg));
    }
    const protocol = str(port.protocol);
    if (!protocol) causes.push(required(child(path, "protocol")));
    else if (!PROTOCOLS.includes(protocol)) causes.push(notSupported(child(path, "protocol"), protocol, PROTOCOLS));
  }
  return causes;
}

/** Host ports must be unique per protocol and host IP across the given containers. */
export function checkHostPortConflicts(containers: [Obj, number][], field: string, seen = new Set<string>()): FieldCause[] {
  const causes: FieldCause[] = [];
  for (const [ctr, ci] of containers) {
    for (const [port, pi] of objItems(ctr.ports)) {
      if (typeof port.hostPort !== "number" || port.hostPort === 0) continue;
      const id = `${str(port.protocol)}/${str(port.hostIP)}/${port.hostPort}`;
      if (seen.has(id)) causes.push(duplicate(child(index(child(index(field, ci), "ports"), pi), "hostPort"), id));
      else seen.add(id);
    }
  }
  return causes;
}

function validateVolumeMounts(ctr: Obj, volumes: Map<string, Obj>, field: string): FieldCause[] {
  const causes: FieldCause[] = [];
  const mountPoints = new Set<string>();
  const privileged = obj(ctr.securityContext).privileged === true;
  for (const [mnt, i] of objItems(ctr.volumeMounts)) {
    const path = index(field, i);
    const name = str(mnt.name);
    const mountPath = str(mnt.mountPath);
    if (!name) causes.push(required(child(path, "name")));
    if (!volumes.has(name)) causes.push(notFound(child(path, "name"), name));
    if (!mountPath) causes.push(required(child(path, "mountPath")));
    if (mountPoints.has(mountPath)) causes.push(invalid(child(path, "mountPath"), mountPath, "must be unique"));
    mountPoints.add(mountPath);
    const volume = volumes.get(name);
    if (volume && volumeSourceKind(volume) === "image") {
      if (str(mnt.subPath)) causes.push(invalid(child(path, "subPath"), str(mnt.subPath), "not allowed in image volume sources"));
      if (str(mnt.subPathExpr)) causes.push(invalid(child(path, "subPathExpr"), str(mnt.subPathExpr), "not allowed in image volume sources"));
    }
    // Kubernetes reports subPath problems on the list's path, not the entry's; kept for fidelity.
    if (str(mnt.subPath)) causes.push(...validateLocalDescendingPath(str(mnt.subPath), child(field, "subPath")));
    if (str(mnt.subPathExpr)) {
      if (str(mnt.subPath)) causes.push(invalid(child(path, "subPathExpr"), str(mnt.subPathExpr), "subPathExpr and subPath are mutually exclusive"));
      causes.push(...validateLocalDescendingPath(str(mnt.subPathExpr), child(field, "subPathExpr")));
    }
    if (typeof mnt.mountPropagation === "string") {
      const prop = mnt.mountPropagation;
      const propPath = child(field, "mountPropagation");
      if (!MOUNT_PROPAGATIONS.includes(prop)) causes.push(notSupported(propPath, prop, MOUNT_PROPAGATIONS));
      if (prop === "Bidirectional" && !privileged) causes.push(forbidden(propPath, "Bidirectional mount propagation is available only to privileged containers"));
    }
  }
  return causes;
}

function validateSecurityContext(sc: unknown, field: string): FieldCause[] {
  if (!isObj(sc)) return [];
  const causes: FieldCause[] = [];
  for (const idField of ["runAsUser", "runAsGroup"]) {
    const v = sc[idField];
    if (typeof v === "number" && (v < 0 || v > MAX_ID)) causes.push(invalid(child(field, idField), v, inclusiveRangeError(0, MAX_ID)));
  }
  if (typeof sc.procMount === "string" && sc.procMount !== "Default" && sc.procMount !== "Unmasked") {
    causes.push(notSupported(child(field, "procMount"), sc.procMount, ["Default", "Unmasked"]));
  }
  if (sc.allowPrivilegeEscalation === false) {
    if (sc.privileged === true) causes.push(invalid(field, sc, "cannot set `allowPrivilegeEscalation` to false and `privileged` to true"));
    const added = obj(sc.capabilities).add;
    if (Array.isArray(added) && added.includes("CAP_SYS_ADMIN")) {
      causes.push(invalid(field, sc, "cannot set `allowPrivilegeEscalation` to false and `capabilities.Add` CAP_SYS_ADMIN"));
    }
  }
  return causes;
}

/** Rules every container kind shares (regular, init, ephemeral). */
export function validateContainerCommon(ctr: Obj, volumes: Map<string, Obj>, field: string): FieldCause[] {
  const causes: FieldCause[] = [];
  const name = str(ctr.name);
  if (!name) causes.push(required(child(field, "name")));
  else for (const msg of isDNS1123Label(name)) causes.push(invalid(child(field, "name"), name, msg));
  if (!str(ctr.image)) causes.push(required(child(field, "image")));

  const tmp = str(ctr.terminationMessagePolicy);
  if (!tmp) causes.push(required(child(field, "terminationMessagePolicy")));
  else if (!TERMINATION_MESSAGE_POLICIES.includes(tmp)) causes.push(notSupported(child(field, "terminationMessagePolicy"), tmp, TERMINATION_MESSAGE_POLICIES));

  causes.push(
    ...validatePorts(ctr.ports, child(field, "ports")),
    ...validateEnv(ctr.env, child(field, "env")),
    ...validateEnvFrom(ctr.envFrom, child(field, "envFrom")),
    ...validateVolumeMounts(ctr, volumes, child(field, "volumeMounts")),
  );
  const pull = str(ctr.imagePullPolicy);
  if (!pull) causes.push(required(child(field, "imagePullPolicy")));
  else if (!PULL_POLICIES.includes(pull)) causes.push(notSupported(child(field, "imagePullPolicy"), pull, PULL_POLICIES));
  causes.push(...validateResourceRequirements(ctr.resources, child(field, "resources")));
  causes.push(...validateSecurityContext(ctr.securityContext, child(field, "securityContext")));
  return causes;
}

function validateProbesAndHooks(ctr: Obj, gracePeriod: number | undefined, field: string): FieldCause[] {
  const causes = validateLifecycle(ctr.lifecycle, gracePeriod, child(field, "lifecycle"));
  for (const kind of PROBES) causes.push(...validateProbeOf(kind, ctr[kind], gracePeriod, child(field, kind)));
  return causes;
}

export function validateContainers(list: unknown, volumes: Map<string, Obj>, gracePeriod: number | undefined, field: string): FieldCause[] {
  const items = objItems(list);
  if (items.length === 0) return [required(field)];
  const causes: FieldCause[] = [];
  const names = new Set<string>();
  for (const [ctr, i] of items) {
    const path = index(field, i);
    causes.push(...validateContainerCommon(ctr, volumes, path));
    const name = str(ctr.name);
    if (names.has(name)) causes.push(duplicate(child(path, "name"), name));
    else names.add(name);
    causes.push(...validateProbesAndHooks(ctr, gracePeriod, path));
    if (ctr.restartPolicy !== undefined) causes.push(forbidden(child(path, "restartPolicy"), "may not be set for non-init containers"));
  }
  return [...causes, ...checkHostPortConflicts(items, field)];
}

/** Init containers; names must also differ from every regular container's. */
export function validateInitContainers(
  list: unknown,
  regular: unknown,
  volumes: Map<string, Obj>,
  gracePeriod: number | undefined,
  field: string,
): FieldCause[] {
  const causes: FieldCause[] = [];
  const names = new Set(objItems(regular).map(([c]) => str(c.name)));
  for (const [ctr, i] of objItems(list)) {
    const path = index(field, i);
    causes.push(...validateContainerCommon(ctr, volumes, path));
    const sidecar = ctr.restartPolicy === "Always";
    if (ctr.restartPolicy !== undefined && !sidecar) causes.push(notSupported(child(path, "restartPolicy"), ctr.restartPolicy, ["Always"]));
    const name = str(ctr.name);
    if (names.has(name)) causes.push(duplicate(child(path, "name"), name));
    else if (name) names.add(name);
    // Init containers run one at a time, so host ports only conflict within one container.
    causes.push(...checkHostPortConflicts([[ctr, i]], field));
    if (sidecar) causes.push(...validateProbesAndHooks(ctr, gracePeriod, path));
    else {
      for (const f of ["lifecycle", ...PROBES]) {
        if (ctr[f] !== undefined && ctr[f] !== null) causes.push(forbidden(child(path, f), "may not be set for init containers without restartPolicy=Always"));
      }
    }
  }
  return causes;
}
