// `kubectl get endpointslices`: NAME ADDRESSTYPE PORTS ENDPOINTS AGE. PORTS and ENDPOINTS list
// up to three entries, then `+ N more...`; an empty list prints `<unset>` (a Service with no
// endpoints has a placeholder slice that shows `<unset>` twice).

import type { EndpointSlice } from "kubernetes-types/discovery/v1";
import type { KubeObject } from "../object";
import { AGE_COLUMN, NAME_COLUMN, column } from "./columns";
import { since } from "./format";
import type { KindPrinter, PrintedRow } from "./types";

const SHOWN = 3;

const columns = [
  NAME_COLUMN,
  column(
    "AddressType",
    "string",
    "addressType specifies the type of address carried by this EndpointSlice. All addresses in this slice must be the same type. This field is immutable after creation. The following address types are currently supported: * IPv4: Represents an IPv4 Address. * IPv6: Represents an IPv6 Address. * FQDN: Represents a Fully Qualified Domain Name.",
  ),
  column(
    "Ports",
    "string",
    'ports specifies the list of network ports exposed by each endpoint in this slice. Each port must have a unique name. When ports is empty, it indicates that there are no defined ports. When a port is defined with a nil port value, it indicates "all ports". Each slice may include a maximum of 100 ports.',
  ),
  column("Endpoints", "string", "endpoints is a list of unique endpoints in this slice. Each slice may include a maximum of 1000 endpoints."),
  AGE_COLUMN,
];

/** The first three items, `+ N more...` after them, `<unset>` for none (upstream listWithMoreString). */
function listWithMore(items: readonly string[]): string {
  if (items.length > SHOWN) return `${items.slice(0, SHOWN).join(",")} + ${items.length - SHOWN} more...`;
  return items.length > 0 ? items.join(",") : "<unset>";
}

function print(obj: KubeObject, now: Date): PrintedRow {
  const slice = obj as unknown as EndpointSlice;
  // A port without a number means "all ports": its name is shown, or `*`.
  const ports = (slice.ports ?? []).map((p) => (typeof p.port === "number" ? String(p.port) : p.name || "*"));
  const addresses = (slice.endpoints ?? []).flatMap((e) => e.addresses ?? []);
  return { cells: [obj.metadata.name ?? "", slice.addressType ?? "", listWithMore(ports), listWithMore(addresses), since(obj.metadata.creationTimestamp, now)] };
}

export const endpointSlicePrinter: KindPrinter = { columns, print };
