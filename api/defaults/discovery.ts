// EndpointSlice defaults (discovery.k8s.io/v1 SetDefaults_EndpointPort): a port without a name
// gets "" and one without a protocol TCP. Two more make the stored JSON read like a real
// apiserver's: `conditions` is a struct upstream, so it is always present (`{}`), and
// `endpoints` / `ports` have no omitempty while protobuf storage turns an empty list into nil,
// so an empty or missing list reads back as `null`.

import { type Obj, isObj, objList, setIfAbsent } from "./util";

export function defaultEndpointSlice(slice: Obj): void {
  for (const port of objList(slice, "ports")) {
    setIfAbsent(port, "name", "");
    setIfAbsent(port, "protocol", "TCP");
  }
  for (const endpoint of objList(slice, "endpoints")) {
    if (!isObj(endpoint.conditions)) endpoint.conditions = {};
  }
  for (const list of ["endpoints", "ports"]) {
    if (!Array.isArray(slice[list]) || (slice[list] as unknown[]).length === 0) slice[list] = null;
  }
}
