// EndpointSlices (discovery.k8s.io/v1), as pkg/apis/discovery/validation checks them: a known
// addressType (immutable once set), at most 1000 endpoints each with 1 to 100 addresses of that
// type (IPs never loopback, link-local or unspecified), DNS-label hostnames, valid node names,
// topology hints, and at most 20000 uniquely named ports with a protocol.
//
// Upstream validates the `kubernetes.io/service-name` label only as a label (metadata rules);
// so does this file. Without it a slice belongs to no Service.

import { type FieldCause, child, duplicate, immutable, index, invalid, notSupported, required, tooMany } from "./field";
import { isIPv6, parseIP, validateNonSpecialIP } from "./ip";
import { type Obj, arr, isObj, obj, objItems, str } from "./json";
import { validateLabels, validateObjectMeta } from "./meta";
import { isDNS1123Label, isDNS1123Subdomain, isLabelValue, isQualifiedName, nameIsDNSSubdomain } from "./names";

export const ADDRESS_TYPES = ["FQDN", "IPv4", "IPv6"];
const PROTOCOLS = ["SCTP", "TCP", "UDP"];
const MAX_ENDPOINTS = 1000;
const MAX_ADDRESSES = 100;
const MAX_PORTS = 20000;
const MAX_TOPOLOGY_LABELS = 16;
const MAX_ZONE_HINTS = 8;

function validateAddressType(value: unknown): FieldCause[] {
  const t = str(value);
  if (!t) return [required("addressType")];
  return ADDRESS_TYPES.includes(t) ? [] : [notSupported("addressType", t, ADDRESS_TYPES)];
}

/** apimachinery's IsFullyQualifiedDomainName: a trailing dot allowed, at least two labels. */
function validateFQDN(value: string, field: string): FieldCause[] {
  if (value.length === 0) return [required(field)];
  const name = value.endsWith(".") ? value.slice(0, -1) : value;
  const subdomain = isDNS1123Subdomain(name);
  if (subdomain.length > 0) return [invalid(field, name, subdomain.join(","))];
  const labels = name.split(".");
  if (labels.length < 2) return [invalid(field, name, "should be a domain with at least two segments separated by dots")];
  for (const label of labels) {
    const errs = isDNS1123Label(label);
    if (errs.length > 0) return [invalid(field, label, errs.join(","))];
  }
  return [];
}

function validateAddress(address: string, addressType: string, field: string): FieldCause[] {
  switch (addressType) {
    case "IPv4": {
      const ip = parseIP(address);
      const causes = ip && ip.length === 4 ? [] : [invalid(field, address, "must be a valid IPv4 address")];
      return [...causes, ...validateNonSpecialIP(address, field)];
    }
    case "IPv6": {
      const causes = isIPv6(address) ? [] : [invalid(field, address, "must be a valid IPv6 address")];
      return [...causes, ...validateNonSpecialIP(address, field)];
    }
    case "FQDN":
      return validateFQDN(address, field);
    default:
      // Unknown address types are refused by validateAddressType; their addresses go unchecked.
      return [];
  }
}

function validateHints(hints: Obj, field: string): FieldCause[] {
  const zonesPath = child(field, "forZones");
  const zones = objItems(hints.forZones);
  if (zones.length > MAX_ZONE_HINTS) return [tooMany(zonesPath, zones.length, MAX_ZONE_HINTS)];
  const causes: FieldCause[] = [];
  const seen = new Set<string>();
  for (const [zone, i] of zones) {
    const path = child(index(zonesPath, i), "name");
    const name = str(zone.name);
    if (seen.has(name)) causes.push(duplicate(path, name));
    else seen.add(name);
    for (const msg of isLabelValue(name)) causes.push(invalid(path, name, msg));
  }
  return causes;
}

function validateEndpoints(endpoints: unknown, addressType: string): FieldCause[] {
  const items = objItems(endpoints);
  if (items.length > MAX_ENDPOINTS) return [tooMany("endpoints", items.length, MAX_ENDPOINTS)];
  const causes: FieldCause[] = [];
  for (const [endpoint, i] of items) {
    const path = index("endpoints", i);
    const addressPath = child(path, "addresses");
    const addresses = arr(endpoint.addresses);
    if (addresses.length === 0) causes.push(required(addressPath, "must contain at least 1 address"));
    else if (addresses.length > MAX_ADDRESSES) causes.push(tooMany(addressPath, addresses.length, MAX_ADDRESSES));
    addresses.forEach((a, j) => causes.push(...validateAddress(str(a), addressType, index(addressPath, j))));

    if (typeof endpoint.nodeName === "string") {
      for (const msg of nameIsDNSSubdomain(endpoint.nodeName, false)) causes.push(invalid(child(path, "nodeName"), endpoint.nodeName, msg));
    }
    const topologyPath = child(path, "deprecatedTopology");
    const topology = obj(endpoint.deprecatedTopology);
    if (Object.keys(topology).length > MAX_TOPOLOGY_LABELS) causes.push(tooMany(topologyPath, Object.keys(topology).length, MAX_TOPOLOGY_LABELS));
    causes.push(...validateLabels(topology, topologyPath));
    if (typeof endpoint.hostname === "string") {
      for (const msg of isDNS1123Label(endpoint.hostname)) causes.push(invalid(child(path, "hostname"), endpoint.hostname, msg));
    }
    if (isObj(endpoint.hints)) causes.push(...validateHints(endpoint.hints, child(path, "hints")));
  }
  return causes;
}

function validatePorts(ports: unknown): FieldCause[] {
  const items = objItems(ports);
  if (items.length > MAX_PORTS) return [tooMany("ports", items.length, MAX_PORTS)];
  const causes: FieldCause[] = [];
  const names = new Set<string>();
  for (const [port, i] of items) {
    const path = index("ports", i);
    const name = str(port.name);
    if (name) for (const msg of isDNS1123Label(name)) causes.push(invalid(child(path, "name"), name, msg));
    if (names.has(name)) causes.push(duplicate(child(path, "name"), name));
    else names.add(name);
    // A pointer upstream: only an absent protocol is "required"; "" is an unsupported value.
    if (port.protocol === undefined || port.protocol === null) causes.push(required(child(path, "protocol")));
    else if (!PROTOCOLS.includes(str(port.protocol))) causes.push(notSupported(child(path, "protocol"), port.protocol, PROTOCOLS));
    if (typeof port.appProtocol === "string") {
      for (const msg of isQualifiedName(port.appProtocol)) causes.push(invalid(child(path, "appProtocol"), port.appProtocol, msg));
    }
  }
  return causes;
}

export function validateEndpointSlice(slice: Obj): FieldCause[] {
  return [
    ...validateObjectMeta(slice.metadata, true, nameIsDNSSubdomain),
    ...validateAddressType(slice.addressType),
    ...validateEndpoints(slice.endpoints, str(slice.addressType)),
    ...validatePorts(slice.ports),
  ];
}

export function validateEndpointSliceUpdate(next: Obj, prev: Obj): FieldCause[] {
  return [...validateEndpointSlice(next), ...immutable(next.addressType, prev.addressType, "addressType")];
}
