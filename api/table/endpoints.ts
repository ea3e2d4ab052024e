// `kubectl get endpoints`: NAME ENDPOINTS AGE. ENDPOINTS lists up to three `ip:port` pairs
// (bare IPs for a subset without ports), then `+ N more...`; `<none>` without subsets.

import type { Endpoints } from "kubernetes-types/core/v1";
import type { KubeObject } from "../object";
import { AGE_COLUMN, NAME_COLUMN, column } from "./columns";
import { joinHostPort, since } from "./format";
import type { KindPrinter, PrintedRow } from "./types";

const SHOWN = 3;

const columns = [
  NAME_COLUMN,
  column(
    "Endpoints",
    "string",
    "The set of all endpoints is the union of all subsets. Addresses are placed into subsets according to the IPs they share. A single address with multiple ports, some of which are ready and some of which are not (because they come from different containers) will result in the address being displayed in different subsets for the different ports. No address will appear in both Addresses and NotReadyAddresses in the same subset. Sets of addresses and ports that comprise a service.",
  ),
  AGE_COLUMN,
];

function formatEndpoints(ep: Endpoints): string {
  const subsets = ep.subsets ?? [];
  if (subsets.length === 0) return "<none>";
  const shown: string[] = [];
  let total = 0;
  for (const ss of subsets) {
    const addresses = ss.addresses ?? [];
    // Only ready addresses count; a headless service may have no ports at all.
    const ports = ss.ports?.length ? ss.ports.map((p) => p.port) : [undefined];
    for (const port of ports) {
      total += addresses.length;
      for (const a of addresses) {
        if (shown.length === SHOWN) break;
        shown.push(port === undefined ? a.ip : joinHostPort(a.ip, port));
      }
    }
  }
  const list = shown.join(",");
  return total > SHOWN ? `${list} + ${total - SHOWN} more...` : list;
}

function print(obj: KubeObject, now: Date): PrintedRow {
  return {
    cells: [obj.metadata.name ?? "", formatEndpoints(obj as unknown as Endpoints), since(obj.metadata.creationTimestamp, now)],
  };
}

export const endpointsPrinter: KindPrinter = { columns, print };
