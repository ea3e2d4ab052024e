// Namespaces: DNS-label names (they appear in service DNS names), valid finalizer names in
// spec.finalizers, and a status phase that follows deletion (Active, then Terminating).

import { type FieldCause, invalid } from "./field";
import { type Obj, arr, obj, str } from "./json";
import { validateKubeFinalizerName, validateObjectMeta, validateObjectMetaUpdate } from "./meta";
import { index } from "./field";
import { isQualifiedName, nameIsDNSLabel } from "./names";

function validateSpecFinalizers(ns: Obj, indexed: boolean): FieldCause[] {
  const causes: FieldCause[] = [];
  arr(obj(ns.spec).finalizers).forEach((f, i) => {
    const name = str(f);
    // Create reports every finalizer under the list's path; /finalize indexes them.
    const path = indexed ? index("spec.finalizers", i) : "spec.finalizers";
    for (const msg of isQualifiedName(name)) causes.push(invalid(path, name, msg));
    causes.push(...validateKubeFinalizerName(name, path));
  });
  return causes;
}

export function validateNamespace(ns: Obj): FieldCause[] {
  return [...validateObjectMeta(ns.metadata, false, nameIsDNSLabel), ...validateSpecFinalizers(ns, false)];
}

export function validateNamespaceUpdate(next: Obj, prev: Obj): FieldCause[] {
  return validateObjectMetaUpdate(next.metadata, prev.metadata);
}

export function validateNamespaceStatusUpdate(next: Obj, prev: Obj): FieldCause[] {
  const causes = validateObjectMetaUpdate(next.metadata, prev.metadata);
  const phase = str(obj(next.status).phase);
  if (!obj(next.metadata).deletionTimestamp) {
    if (phase !== "Active") causes.push(invalid("status.Phase", phase, "may only be 'Active' if `deletionTimestamp` is empty"));
  } else if (phase !== "Terminating") {
    causes.push(invalid("status.Phase", phase, "may only be 'Terminating' if `deletionTimestamp` is not empty"));
  }
  return causes;
}

export function validateNamespaceFinalizeUpdate(next: Obj, prev: Obj): FieldCause[] {
  return [...validateObjectMetaUpdate(next.metadata, prev.metadata), ...validateSpecFinalizers(next, true)];
}
