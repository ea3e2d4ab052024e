// Probes and lifecycle hooks: exactly one handler (exec, httpGet, tcpSocket, grpc, sleep), valid
// ports, non-negative timings, and the per-probe rules (liveness and startup need
// successThreshold 1; readiness may not set its own terminationGracePeriodSeconds).

import { type FieldCause, child, forbidden, invalid, nonNegative, notSupported, required } from "./field";
import { type Obj, arr, isObj, obj, str } from "./json";
import { isHTTPHeaderName, isValidPortName, isValidPortNum } from "./names";

/** An IntOrString port: a number is checked as a port number, a string as an IANA port name. */
export function validatePortNumOrName(port: unknown, field: string): FieldCause[] {
  if (typeof port === "number") return isValidPortNum(port).map((msg) => invalid(field, port, msg));
  if (typeof port === "string") return isValidPortName(port).map((msg) => invalid(field, port, msg));
  return isValidPortNum(0).map((msg) => invalid(field, 0, msg));
}

function validateHTTPGet(http: Obj, field: string): FieldCause[] {
  const causes: FieldCause[] = [];
  if (!str(http.path)) causes.push(required(child(field, "path")));
  causes.push(...validatePortNumOrName(http.port, child(field, "port")));
  const scheme = str(http.scheme);
  if (scheme !== "HTTP" && scheme !== "HTTPS") causes.push(notSupported(child(field, "scheme"), scheme, ["HTTP", "HTTPS"]));
  for (const header of arr(http.httpHeaders)) {
    const name = str(obj(header).name);
    for (const msg of isHTTPHeaderName(name)) causes.push(invalid(child(field, "httpHeaders"), name, msg));
  }
  return causes;
}

type HandlerKind = "exec" | "httpGet" | "tcpSocket" | "grpc" | "sleep";

/** Exactly one handler; later ones are forbidden, none at all is required. */
function validateHandler(handler: Obj, kinds: readonly HandlerKind[], gracePeriod: number | undefined, field: string): FieldCause[] {
  const causes: FieldCause[] = [];
  let count = 0;
  for (const kind of kinds) {
    if (!isObj(handler[kind])) continue;
    const path = child(field, kind);
    if (count > 0) {
      causes.push(forbidden(path, "may not specify more than 1 handler type"));
      continue;
    }
    count++;
    const h = obj(handler[kind]);
    switch (kind) {
      case "exec":
        if (arr(h.command).length === 0) causes.push(required(child(path, "command")));
        break;
      case "httpGet":
        causes.push(...validateHTTPGet(h, path));
        break;
      case "tcpSocket":
        causes.push(...validatePortNumOrName(h.port, child(path, "port")));
        break;
      case "grpc":
        causes.push(...validatePortNumOrName(typeof h.port === "number" ? h.port : 0, child(path, "port")));
        break;
      case "sleep": {
        const seconds = typeof h.seconds === "number" ? h.seconds : 0;
        if (gracePeriod !== undefined && (seconds <= 0 || seconds > gracePeriod)) {
          causes.push(invalid(path, seconds, `must be greater than 0 and less than terminationGracePeriodSeconds (${gracePeriod})`));
        }
        break;
      }
    }
  }
  if (count === 0) causes.push(required(field, "must specify a handler type"));
  return causes;
}

const PROBE_HANDLERS: readonly HandlerKind[] = ["exec", "httpGet", "tcpSocket", "grpc"];
const LIFECYCLE_HANDLERS: readonly HandlerKind[] = ["exec", "httpGet", "tcpSocket", "sleep"];

function validateProbe(probe: Obj, gracePeriod: number | undefined, field: string): FieldCause[] {
  const causes = validateHandler(probe, PROBE_HANDLERS, gracePeriod, field);
  for (const name of ["initialDelaySeconds", "timeoutSeconds", "periodSeconds", "successThreshold", "failureThreshold"]) {
    causes.push(...nonNegative(probe[name], child(field, name)));
  }
  const tgps = probe.terminationGracePeriodSeconds;
  if (typeof tgps === "number" && tgps <= 0) causes.push(invalid(child(field, "terminationGracePeriodSeconds"), tgps, "must be greater than 0"));
  return causes;
}

export type ProbeKind = "livenessProbe" | "readinessProbe" | "startupProbe";

/** One probe of a container; absent probes are fine. */
export function validateProbeOf(kind: ProbeKind, value: unknown, gracePeriod: number | undefined, field: string): FieldCause[] {
  if (!isObj(value)) return [];
  const causes = validateProbe(value, gracePeriod, field);
  const successThreshold = typeof value.successThreshold === "number" ? value.successThreshold : 0;
  if (kind !== "readinessProbe" && successThreshold !== 1) {
    causes.push(invalid(child(field, "successThreshold"), successThreshold, "must be 1"));
  }
  if (kind === "readinessProbe" && value.terminationGracePeriodSeconds !== undefined && value.terminationGracePeriodSeconds !== null) {
    causes.push(invalid(child(field, "terminationGracePeriodSeconds"), value.terminationGracePeriodSeconds, "must not be set for readinessProbes"));
  }
  return causes;
}

export function validateLifecycle(lifecycle: unknown, gracePeriod: number | undefined, field: string): FieldCause[] {
  if (!isObj(lifecycle)) return [];
  const causes: FieldCause[] = [];
  for (const hook of ["postStart", "preStop"]) {
    if (isObj(lifecycle[hook])) causes.push(...validateHandler(obj(lifecycle[hook]), LIFECYCLE_HANDLERS, gracePeriod, child(field, hook)));
  }
  return causes;
}
