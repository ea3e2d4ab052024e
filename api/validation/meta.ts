// ObjectMeta rules every kind shares (apimachinery's ValidateObjectMeta / ValidateObjectMetaUpdate
// plus core's finalizer-name rule): name or generateName, namespace presence, labels, annotations
// (256 KiB in total), owner references, finalizers, and on update the fields that never change.

import { type FieldCause, FIELD_IMMUTABLE, child, forbidden, index, invalid, nonNegative, required, tooLong, deepEqual } from "./field";
import { GoRepr } from "./go-format";
import { type Obj, arr, isObj, obj, optStr, str, strMap, sortedEntries } from "./json";
import { type NameValidator, isDNS1123Label, isLabelValue, isQualifiedName } from "./names";

export const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

const FINALIZER_ORPHAN = "orphan";
const FINALIZER_FOREGROUND = "foregroundDeletion";
const STANDARD_FINALIZERS = new Set(["kubernetes", FINALIZER_ORPHAN, FINALIZER_FOREGROUND]);

// Counts without encoding; the same count as TextEncoder (a lone surrogate is 3 bytes).
const byteLength = (s: string): number => Buffer.byteLength(s, "utf8");

/** Label keys and values; errors are reported on the map's own path, as upstream does. */
export function validateLabels(labels: unknown, field: string): FieldCause[] {
  const causes: FieldCause[] = [];
  for (const [k, v] of sortedEntries(strMap(labels))) {
    causes.push(...validateLabelName(k, field));
    for (const msg of isLabelValue(v)) causes.push(invalid(field, v, msg));
  }
  return causes;
}

export function validateLabelName(name: string, field: string): FieldCause[] {
  return isQualifiedName(name).map((msg) => invalid(field, name, msg));
}

export function validateAnnotations(annotations: unknown, field: string): FieldCause[] {
  const map = strMap(annotations);
  const causes: FieldCause[] = [];
  let total = 0;
  for (const [k, v] of sortedEntries(map)) {
    // Annotation keys are qualified names, except that case does not matter.
    for (const msg of isQualifiedName(k.toLowerCase())) causes.push(invalid(field, k, msg));
    total += byteLength(k) + byteLength(v);
  }
  if (total > TOTAL_ANNOTATION_SIZE_LIMIT) causes.push(tooLong(field, TOTAL_ANNOTATION_SIZE_LIMIT));
  return causes;
}

function validateOwnerReferences(refs: unknown, field: string): FieldCause[] {
  const causes: FieldCause[] = [];
  let firstController = "";
  for (const item of arr(refs)) {
    const ref = obj(item);
    const apiVersion = str(ref.apiVersion);
    const version = apiVersion.includes("/") ? apiVersion.slice(apiVersion.indexOf("/") + 1) : apiVersion;
    if (version.length === 0) causes.push(invalid(child(field, "apiVersion"), apiVersion, "version must not be empty"));
    if (str(ref.kind).length === 0) causes.push(invalid(child(field, "kind"), str(ref.kind), "must not be empty"));
    if (str(ref.name).length === 0) causes.push(invalid(child(field, "name"), str(ref.name), "must not be empty"));
    if (str(ref.uid).length === 0) causes.push(invalid(child(field, "uid"), str(ref.uid), "must not be empty"));
    if (apiVersion === "v1" && ref.kind === "Event") {
      causes.push(invalid(field, ref, "/v1, Kind=Event is disallowed from being an owner"));
    }
    if (ref.controller === true) {
      const name = `${str(ref.kind)}/${str(ref.name)}`;
      if (firstController) {
        causes.push(
          invalid(field, refs, `Only one reference can have Controller set to true. Found "true" in references for ${firstController} and ${name}`),
        );
      } else firstController = name;
    }
  }
  return causes;
}

/** Generic finalizer rules (qualified names, orphan vs foreground) plus core's "standard or qualified". */
function validateFinalizers(finalizers: unknown, field: string): FieldCause[] {
  const causes: FieldCause[] = [];
  const list = arr(finalizers).map(str);
  for (const f of list) for (const msg of isQualifiedName(f)) causes.push(invalid(field, f, msg));
  if (list.includes(FINALIZER_ORPHAN) && list.includes(FINALIZER_FOREGROUND)) {
    causes.push(invalid(field, list, `finalizer ${FINALIZER_ORPHAN} and ${FINALIZER_FOREGROUND} cannot be both set`));
  }
  list.forEach((f, i) => causes.push(...validateKubeFinalizerName(f, index(field, i))));
  return causes;
}

export function validateKubeFinalizerName(name: string, field: string): FieldCause[] {
  if (name.split("/").length === 1 && !STANDARD_FINALIZERS.has(name)) {
    return [invalid(field, name, "name is neither a standard finalizer name nor is it fully qualified")];
  }
  return [];
}

/** Labels, annotations, owner references and finalizers: the part shared by create and update. */
function validateMetaCommon(meta: Obj, field: string): FieldCause[] {
  return [
    ...nonNegative(meta.generation, child(field, "generation")),
    ...validateLabels(meta.labels, child(field, "labels")),
    ...validateAnnotations(meta.annotations, child(field, "annotations")),
    ...validateOwnerReferences(meta.ownerReferences, child(field, "ownerReferences")),
    ...validateFinalizers(meta.finalizers, child(field, "finalizers")),
  ];
}

/**
 * ObjectMeta on create. Expects generateName to have been turned into a name already (lifecycle
 * does it), like Kubernetes' BeforeCreate; a generateName is still checked as a prefix.
 */
export function validateObjectMeta(metadata: unknown, namespaced: boolean, nameFn: NameValidator, field = "metadata"): FieldCause[] {
  const meta = obj(metadata);
  const causes: FieldCause[] = [];
  const generateName = str(meta.generateName);
  if (generateName) {
    for (const msg of nameFn(generateName, true)) causes.push(invalid(child(field, "generateName"), generateName, msg));
  }
  const name = str(meta.name);
  if (!name) causes.push(required(child(field, "name"), "name or generateName is required"));
  else for (const msg of nameFn(name, false)) causes.push(invalid(child(field, "name"), name, msg));

  const namespace = str(meta.namespace);
  if (namespaced) {
    if (!namespace) causes.push(required(child(field, "namespace")));
    else for (const msg of isDNS1123Label(namespace)) causes.push(invalid(child(field, "namespace"), namespace, msg));
  } else if (namespace) {
    causes.push(forbidden(child(field, "namespace"), "not allowed on this type"));
  }
  return [...causes, ...validateMetaCommon(meta, field)];
}

/** Go prints metav1.Time as `2006-01-02 15:04:05 +0000 UTC`. */
function goTime(value: unknown): GoRepr | undefined {
  if (typeof value !== "string") return undefined;
  const t = new Date(value);
  if (Number.isNaN(t.getTime())) return undefined;
  return new GoRepr(`${t.toISOString().slice(0, 19).replace("T", " ")} +0000 UTC`);
}

function immutableMeta(newValue: unknown, oldValue: unknown, field: string, rendered?: unknown): FieldCause[] {
  return deepEqual(newValue, oldValue) ? [] : [invalid(field, rendered ?? newValue, FIELD_IMMUTABLE)];
}

/** ObjectMeta on update: what may never change, plus the create-time syntax rules on the new value. */
export function validateObjectMetaUpdate(newMetadata: unknown, oldMetadata: unknown, field = "metadata"): FieldCause[] {
  const next = obj(newMetadata);
  const prev = obj(oldMetadata);
  const causes: FieldCause[] = [];
  if (isObj(prev) && prev.deletionTimestamp) {
    const before = new Set(arr(prev.finalizers).map(str));
    const added = [...new Set(arr(next.finalizers).map(str))].filter((f) => !before.has(f)).sort();
    if (added.length > 0) {
      causes.push(
        forbidden(
          child(field, "finalizers"),
          `no new finalizers can be added if the object is being deleted, found new finalizers []string{${added.map((f) => JSON.stringify(f)).join(", ")}}`,
        ),
      );
    }
  }
  if (!optStr(next.resourceVersion)) {
    causes.push(invalid(child(field, "resourceVersion"), str(next.resourceVersion), "must be specified for an update"));
  }
  const newGeneration = typeof next.generation === "number" ? next.generation : 0;
  const oldGeneration = typeof prev.generation === "number" ? prev.generation : 0;
  if (newGeneration < oldGeneration) causes.push(invalid(child(field, "generation"), newGeneration, "must not be decremented"));

  causes.push(
    ...immutableMeta(str(next.name), str(prev.name), child(field, "name")),
    ...immutableMeta(str(next.namespace), str(prev.namespace), child(field, "namespace")),
    ...immutableMeta(str(next.uid), str(prev.uid), child(field, "uid")),
    ...immutableMeta(next.creationTimestamp, prev.creationTimestamp, child(field, "creationTimestamp"), goTime(next.creationTimestamp)),
    ...immutableMeta(next.deletionTimestamp, prev.deletionTimestamp, child(field, "deletionTimestamp"), goTime(next.deletionTimestamp)),
    ...immutableMeta(next.deletionGracePeriodSeconds, prev.deletionGracePeriodSeconds, child(field, "deletionGracePeriodSeconds")),
  );
  return [...causes, ...validateMetaCommon(next, field)];
}
