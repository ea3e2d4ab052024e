// Conversion between a served version and the storage version of a resource. Most resources are
// served in one version only, so their conversion is the identity.

import type { KubeObject } from "../object";
import { apiVersionOf, type ResourceType } from "../resources";
import { hpaV1ToV2, hpaV2ToV1 } from "./hpa";

export interface VersionConverter {
  toStorage(obj: KubeObject): KubeObject;
  fromStorage(obj: KubeObject): KubeObject;
}

export function converterFor(r: ResourceType): VersionConverter {
  if (r.group === "autoscaling" && r.version === "v1") {
    return { toStorage: hpaV1ToV2, fromStorage: hpaV2ToV1 };
  }
  const apiVersion = apiVersionOf(r);
  // Identity, but every object leaves the API with its apiVersion and kind set.
  const stamp = (obj: KubeObject): KubeObject => ({ ...obj, apiVersion, kind: r.kind });
  return { toStorage: stamp, fromStorage: stamp };
}
