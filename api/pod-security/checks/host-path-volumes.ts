// Baseline, hostPathVolumes: hostPath volumes reach into the node's file system.
// Restricted field: spec.volumes[*].hostPath. Allowed: undefined.

import { objItems, str, type Obj } from "../../validation/json";
import { ALLOWED, forbid, isSet, joinQuote, pluralize, type Check, type CheckResult } from "../check";

function hostPathVolumes(_metadata: Obj, spec: Obj): CheckResult {
  const names = objItems(spec.volumes).filter(([v]) => isSet(v.hostPath)).map(([v]) => str(v.name));
  return names.length === 0 ? ALLOWED : forbid("hostPath volumes", `${pluralize("volume", "volumes", names.length)} ${joinQuote(names)}`);
}

export const HOST_PATH_VOLUMES_ID = "hostPathVolumes";

export const hostPathVolumesCheck: Check = {
  id: HOST_PATH_VOLUMES_ID,
  level: "baseline",
  versions: [{ since: 0, check: hostPathVolumes }],
};
