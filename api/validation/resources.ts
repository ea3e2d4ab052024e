// Container resource requirements: resource names, quantities that parse and are not negative,
// integer-only extended resources, and requests no larger than limits (equal to them for
// resources that cannot be overcommitted, like hugepages and extended resources).
//
// Kubernetes rejects an unparseable quantity while decoding the body (400, before validation);
// Gantry validates the JSON as sent, so it reports the same message as a field cause instead.

import { Quantity, QuantityError } from "../quantity";
import { type FieldCause, child, forbidden, invalid, key, required } from "./field";
import { GoRepr } from "./go-format";
import { isObj, sortedEntries } from "./json";
import { isQualifiedName } from "./names";

const STANDARD_CONTAINER_RESOURCES = new Set(["cpu", "memory", "ephemeral-storage"]);
const STANDARD_RESOURCES = new Set([
  "cpu", "memory", "ephemeral-storage",
  "requests.cpu", "requests.memory", "requests.ephemeral-storage",
  "limits.cpu", "limits.memory", "limits.ephemeral-storage",
  "pods", "quotas", "services", "replicationcontrollers", "secrets", "persistentvolumeclaims", "configmaps",
  "services.nodeports", "services.loadbalancers", "requests.storage", "storage",
]);

const isHugePages = (name: string): boolean => name.startsWith("hugepages-");
const isNative = (name: string): boolean => !name.includes("/") || name.includes("kubernetes.io/");

/** Extended resources (`example.com/gpu`) are whole units and never overcommitted. */
export function isExtendedResourceName(name: string): boolean {
  if (isNative(name) || name.startsWith("requests.")) return false;
  return isQualifiedName(`requests.${name}`).length === 0;
}

export function isOvercommitAllowed(name: string): boolean {
  return isNative(name) && !isHugePages(name);
}

function validateResourceName(name: string, field: string): FieldCause[] {
  const causes = isQualifiedName(name).map((msg) => invalid(field, name, msg));
  if (causes.length > 0) return causes;
  if (!name.includes("/") && !STANDARD_RESOURCES.has(name) && !isHugePages(name) && !name.startsWith("requests.hugepages-")) {
    return [invalid(field, name, "must be a standard resource type or fully qualified")];
  }
  return [];
}

export function validateContainerResourceName(name: string, field: string): FieldCause[] {
  const causes = validateResourceName(name, field);
  if (!name.includes("/")) {
    if (!STANDARD_CONTAINER_RESOURCES.has(name) && !isHugePages(name)) {
      causes.push(invalid(field, name, "must be a standard resource for containers"));
    }
  } else if (!isNative(name) && !isExtendedResourceName(name)) {
    causes.push(invalid(field, name, "doesn't follow extended resource name standard"));
  }
  return causes;
}

/** Parses a quantity from a resource list, or reports why not. */
export function parseResourceQuantity(raw: unknown, field: string): Quantity | FieldCause {
  try {
    if (typeof raw !== "string" && typeof raw !== "number") throw new QuantityError("quantities must be strings or numbers");
    return Quantity.parse(raw);
  } catch (err) {
    return invalid(field, typeof raw === "string" ? raw : String(raw), err instanceof Error ? err.message : String(err));
  }
}

/** Not negative, and whole for integer-only (extended) resources. */
export function validateResourceQuantityValue(name: string, q: Quantity, field: string): FieldCause[] {
  const causes: FieldCause[] = [];
  if (q.sign() < 0) causes.push(invalid(field, q.toString(), "must be greater than or equal to 0"));
  if (isExtendedResourceName(name) && q.nanos % 1_000_000_000n !== 0n) {
    causes.push(invalid(field, new GoRepr(q.toString()), "must be an integer"));
  }
  return causes;
}

type Parsed = Map<string, Quantity>;

function parseList(list: unknown, field: string, causes: FieldCause[]): Parsed {
  const parsed: Parsed = new Map();
  for (const [name, raw] of sortedEntries(isObj(list) ? list : undefined)) {
    const path = key(field, name);
    causes.push(...validateContainerResourceName(name, path));
    const q = parseResourceQuantity(raw, path);
    if (q instanceof Quantity) {
      causes.push(...validateResourceQuantityValue(name, q, path));
      parsed.set(name, q);
    } else causes.push(q);
  }
  return parsed;
}

export function validateResourceRequirements(resources: unknown, field: string): FieldCause[] {
  if (!isObj(resources)) return [];
  const causes: FieldCause[] = [];
  const limPath = child(field, "limits");
  const reqPath = child(field, "requests");
  const limits = parseList(resources.limits, limPath, causes);
  const requests = parseList(resources.requests, reqPath, causes);
  for (const [name, request] of requests) {
    const limit = limits.get(name);
    if (limit) {
      if (request.cmp(limit) !== 0 && !isOvercommitAllowed(name)) {
        causes.push(invalid(reqPath, request.toString(), `must be equal to ${name} limit of ${limit.toString()}`));
      } else if (request.cmp(limit) > 0) {
        causes.push(invalid(reqPath, request.toString(), `must be less than or equal to ${name} limit of ${limit.toString()}`));
      }
    } else if (!isOvercommitAllowed(name)) {
      causes.push(required(limPath, "Limit must be set for non overcommitable resources"));
    }
  }
  const names = [...limits.keys(), ...requests.keys()];
  if (names.some(isHugePages) && !names.some((n) => n === "cpu" || n === "memory")) {
    causes.push(forbidden(field, "HugePages require cpu or memory"));
  }
  return causes;
}
