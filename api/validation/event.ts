// core/v1 Events, checked with Kubernetes' legacy rules: the event's namespace must agree with
// the involved object's, and events carrying an eventTime (the newer style) must name their
// reporting controller, instance, action and reason within length limits. Names need only be
// usable in a URL path, because clients generate them as `<object>.<hex timestamp>`.

import { type FieldCause, invalid, required } from "./field";
import { type Obj, obj, str } from "./json";
import { validateObjectMeta } from "./meta";
import { isDNS1123Subdomain, isQualifiedName, nameIsPathSegment } from "./names";

const LIMITS = { reportingInstance: 128, action: 128, reason: 128, message: 1024 };

export function validateEventLegacy(event: Obj): FieldCause[] {
  const causes: FieldCause[] = [];
  const namespace = str(obj(event.metadata).namespace);
  const involvedNamespace = str(obj(event.involvedObject).namespace);
  const mismatch = (): FieldCause => invalid("involvedObject.namespace", involvedNamespace, "does not match event.namespace");
  if (!str(event.eventTime)) {
    if (!involvedNamespace) {
      if (namespace !== "" && namespace !== "default") causes.push(mismatch());
    } else if (namespace !== involvedNamespace) causes.push(mismatch());
  } else {
    if (!involvedNamespace && namespace !== "default" && namespace !== "kube-system") causes.push(mismatch());
    const controller = str(event.reportingComponent ?? event.reportingController);
    if (!controller) causes.push(required("reportingController"));
    for (const msg of isQualifiedName(controller)) causes.push(invalid("reportingController", controller, msg));
    for (const f of ["reportingInstance", "action", "reason"] as const) {
      if (!str(event[f])) causes.push(required(f));
      if (str(event[f]).length > LIMITS[f]) causes.push(invalid(f, "", `can have at most ${LIMITS[f]} characters`));
    }
    if (str(event.message).length > LIMITS.message) causes.push(invalid("message", "", `can have at most ${LIMITS.message} characters`));
  }
  for (const msg of isDNS1123Subdomain(namespace)) causes.push(invalid("namespace", namespace, msg));
  return causes;
}

/** Legacy rules first; the generic metadata rules only when those pass, as the apiserver does. */
export function validateEvent(event: Obj): FieldCause[] {
  const legacy = validateEventLegacy(event);
  return legacy.length > 0 ? legacy : validateObjectMeta(event.metadata, true, nameIsPathSegment);
}
