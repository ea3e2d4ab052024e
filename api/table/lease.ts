// `kubectl get leases`: NAME HOLDER AGE.

import type { Lease } from "kubernetes-types/coordination/v1";
import type { KubeObject } from "../object";
import { AGE_COLUMN, NAME_COLUMN, column } from "./columns";
import { since } from "./format";
import type { KindPrinter, PrintedRow } from "./types";

const columns = [NAME_COLUMN, column("Holder", "string", "holderIdentity contains the identity of the holder of a current lease."), AGE_COLUMN];

function print(obj: KubeObject, now: Date): PrintedRow {
  const lease = obj as unknown as Lease;
  return { cells: [obj.metadata.name ?? "", lease.spec?.holderIdentity ?? "", since(obj.metadata.creationTimestamp, now)] };
}

export const leasePrinter: KindPrinter = { columns, print };
