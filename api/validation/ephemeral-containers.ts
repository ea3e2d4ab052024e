// Ephemeral containers (what `kubectl debug` adds to a running pod), with upstream's rules
// (validateEphemeralContainers, ValidatePodEphemeralContainersUpdate): the rules every container
// gets, a name unique across every container of the pod, a targetContainerName that names a
// regular or init container, none of the fields that would make the pod rely on them (ports,
// probes, lifecycle, resources, restart and resize policies) and no subPath mounts. They are
// added through the pods/ephemeralcontainers subresource only, and never changed or removed.

import { validateContainerCommon } from "./container";
import { type FieldCause, child, deepEqual, duplicate, forbidden, index, invalid, notFound } from "./field";
import { type Obj, isObj, obj, objItems, str, strMap } from "./json";
import { describeDiff } from "./json-diff";

/**
 * EphemeralContainerCommon's fields that ephemeral containers may not set, in the struct's
 * order (upstream keeps an allow-list; these are the fields it leaves out). `resources` is a
 * struct in Go, so an empty one is unset; the others are pointers or slices, set when present.
 */
const FORBIDDEN_FIELDS = ["ports", "resources", "resizePolicy", "restartPolicy", "livenessProbe", "readinessProbe", "startupProbe", "lifecycle"];
const NOT_FOR_EPHEMERAL = "cannot be set for an Ephemeral Container";
const MIRROR_ANNOTATION = "kubernetes.io/config.mirror";

function isSet(field: string, value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (field === "resources") return isObj(value) && Object.values(value).some((v) => v !== undefined && v !== null);
  return true;
}

export function validateEphemeralContainers(list: unknown, spec: Obj, volumes: Map<string, Obj>, field: string): FieldCause[] {
  const items = objItems(list);
  if (items.length === 0) return [];
  const others = new Set([...objItems(spec.containers), ...objItems(spec.initContainers)].map(([c]) => str(c.name)));
  const names = new Set(others);
  const causes: FieldCause[] = [];
  for (const [ctr, i] of items) {
    const path = index(field, i);
    causes.push(...validateContainerCommon(ctr, volumes, path));
    const image = str(ctr.image);
    if (image !== image.trim()) causes.push(invalid(child(path, "image"), image, "must not have leading or trailing whitespace"));
    const name = str(ctr.name);
    if (names.has(name)) causes.push(duplicate(child(path, "name"), name));
    else names.add(name);
    const target = str(ctr.targetContainerName);
    if (target && !others.has(target)) causes.push(notFound(child(path, "targetContainerName"), target));
    for (const f of FORBIDDEN_FIELDS) if (isSet(f, ctr[f])) causes.push(forbidden(child(path, f), NOT_FOR_EPHEMERAL));
    for (const [mount, j] of objItems(ctr.volumeMounts)) {
      for (const f of ["subPath", "subPathExpr"]) {
        if (str(mount[f])) causes.push(forbidden(child(index(child(path, "volumeMounts"), j), f), NOT_FOR_EPHEMERAL));
      }
    }
  }
  return causes;
}

/**
 * A write through pods/ephemeralcontainers (after the spec and metadata rules, which the caller
 * runs): existing ephemeral containers stay exactly as they are; static pods take none. Patches
 * do not keep the list's order, so containers are matched by name.
 */
export function validateEphemeralContainersUpdate(next: Obj, prev: Obj): FieldCause[] {
  if (MIRROR_ANNOTATION in (strMap(obj(prev.metadata).annotations) ?? {})) return [forbidden("", "static pods do not support ephemeral containers")];
  const byName = new Map(objItems(obj(next.spec).ephemeralContainers).map(([c]) => [str(c.name), c]));
  const causes: FieldCause[] = [];
  const field = "spec.ephemeralContainers";
  for (const [old] of objItems(obj(prev.spec).ephemeralContainers)) {
    const name = str(old.name);
    const now = byName.get(name);
    if (!now) causes.push(forbidden(field, `existing ephemeral containers ${JSON.stringify(name)} may not be removed\n`));
    else if (!deepEqual(old, now)) causes.push(forbidden(field, `existing ephemeral containers ${JSON.stringify(name)} may not be changed\n${describeDiff(old, now).join("\n")}`));
  }
  return causes;
}
