// Defaults for the smaller core/v1 kinds: Secret (type Opaque; `stringData` folded into `data`),
// Namespace (the kubernetes.io/metadata.name label, phase Active), Node (allocatable falls back
// to capacity) and Endpoints (ports default to TCP).

import { type Obj, ensureObj, isObj, objList, setIfEmpty, str } from "./util";

const utf8ToBase64 = (s: string): string => {
  const bytes = new TextEncoder().encode(s);
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
};

export function defaultSecret(secret: Obj): void {
  setIfEmpty(secret, "type", "Opaque");
  // stringData is write-only convenience: its entries win over data and are stored base64.
  if (isObj(secret.stringData)) {
    const data = ensureObj(secret, "data");
    for (const [k, v] of Object.entries(secret.stringData)) data[k] = utf8ToBase64(str(v));
  }
  delete secret.stringData;
}

export const NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";

export function defaultNamespace(ns: Obj): void {
  const meta = ensureObj(ns, "metadata");
  const name = str(meta.name);
  // A namespace made from generateName gets the label once it has a name.
  if (name) ensureObj(meta, "labels")[NAMESPACE_NAME_LABEL] = name;
  setIfEmpty(ensureObj(ns, "status"), "phase", "Active");
}

export function defaultNode(node: Obj): void {
  const status = isObj(node.status) ? node.status : undefined;
  if (status && isObj(status.capacity) && (status.allocatable === undefined || status.allocatable === null)) {
    status.allocatable = { ...status.capacity };
  }
}

export function defaultEndpoints(ep: Obj): void {
  for (const subset of objList(ep, "subsets")) for (const port of objList(subset, "ports")) setIfEmpty(port, "protocol", "TCP");
}
