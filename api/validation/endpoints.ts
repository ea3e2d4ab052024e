// Endpoints: each subset has at least one address; addresses are real, non-special IPs (never
// loopback or link-local, which would let a Service reach into a node); ports are named when
// there are several.

import { type FieldCause, child, index, invalid, notSupported, required } from "./field";
import { validateIP, validateNonSpecialIP } from "./ip";
import { type Obj, arr, objItems, str } from "./json";
import { validateObjectMeta } from "./meta";
import { isDNS1123Label, isQualifiedName, isValidPortNum, nameIsDNSSubdomain } from "./names";

const PROTOCOLS = ["SCTP", "TCP", "UDP"];

function validateAddress(addr: Obj, field: string): FieldCause[] {
  const ip = str(addr.ip);
  const causes = validateIP(ip, child(field, "ip"));
  const hostname = str(addr.hostname);
  if (hostname) for (const msg of isDNS1123Label(hostname)) causes.push(invalid(child(field, "hostname"), hostname, msg));
  if (typeof addr.nodeName === "string") {
    for (const msg of nameIsDNSSubdomain(addr.nodeName, false)) causes.push(invalid(child(field, "nodeName"), addr.nodeName, msg));
  }
  return [...causes, ...validateNonSpecialIP(ip, child(field, "ip"))];
}

function validatePort(port: Obj, requireName: boolean, field: string): FieldCause[] {
  const causes: FieldCause[] = [];
  const name = str(port.name);
  if (requireName && !name) causes.push(required(child(field, "name")));
  else if (name) for (const msg of isDNS1123Label(name)) causes.push(invalid(child(field, "name"), name, msg));
  const num = typeof port.port === "number" ? port.port : 0;
  for (const msg of isValidPortNum(num)) causes.push(invalid(child(field, "port"), num, msg));
  const protocol = str(port.protocol);
  if (!protocol) causes.push(required(child(field, "protocol")));
  else if (!PROTOCOLS.includes(protocol)) causes.push(notSupported(child(field, "protocol"), protocol, PROTOCOLS));
  if (typeof port.appProtocol === "string") {
    for (const msg of isQualifiedName(port.appProtocol)) causes.push(invalid(child(field, "appProtocol"), port.appProtocol, msg));
  }
  return causes;
}

export function validateEndpoints(ep: Obj): FieldCause[] {
  const causes = validateObjectMeta(ep.metadata, true, nameIsDNSSubdomain);
  for (const [subset, i] of objItems(ep.subsets)) {
    const path = index("subsets", i);
    if (arr(subset.addresses).length === 0 && arr(subset.notReadyAddresses).length === 0) {
      causes.push(required(path, "must specify `addresses` or `notReadyAddresses`"));
    }
    for (const list of ["addresses", "notReadyAddresses"]) {
      for (const [addr, j] of objItems(subset[list])) causes.push(...validateAddress(addr, index(child(path, list), j)));
    }
    const ports = objItems(subset.ports);
    for (const [port, j] of ports) causes.push(...validatePort(port, ports.length > 1, index(child(path, "ports"), j)));
  }
  return causes;
}
