// The node's routes (host-gw, DESIGN.md §7), level-triggered from every NodeConfig:
//
//   <other node's pod CIDR> via <its InternalIP>   one flat network: pods reach pods on other
//                                                  nodes with their own source address
//   blackhole <cluster CIDR>                       nothing for those ranges leaves the host;
//   <service CIDR> dev gantry-sink                 the more specific routes win (this node's
//                                                  pods: the bridge's connected route; other
//                                                  nodes' pods: the routes above; Services: the
//                                                  proxy's DNAT happens before routing)
//
// The service range goes to `gantry-sink`, a bridge with no port and no address, rather than to
// a blackhole: a local connect() to a ClusterIP is routed before the proxy's output hook can
// DNAT it, and a blackhole route fails it at once (EINVAL). A route through the sink lets the
// connect proceed, the DNAT sends the packet to a pod, and whatever is not DNATed is dropped by
// the port-less bridge. Pods' packets are DNATed in prerouting and never see either route.
//
// Every route Gantry adds carries `proto 157` (GANTRY_ROUTE_PROTO), so a restarted agent lists
// exactly its own routes and reconciles them: missing ones are added, changed ones replaced,
// ones no longer wanted deleted. Routes of anyone else are never replaced or deleted: a route of
// another owner with the same destination wins and is reported.

import { Ipv4Cidr } from "../../api/ipv4-cidr";
import type { CommandRunner } from "../host-commands";
import { ipJson } from "./ip-json";

/** The routing protocol number marking Gantry's routes (unassigned in iproute2's rt_protos). */
export const GANTRY_ROUTE_PROTO = 157;

export interface NodeRouteInput {
  nodeName: string;
  nodeIp: string;
  podCidrs: string[];
}

/** The parts of NodeConfig (proto/agent.proto) the node's routes come from. */
export interface RouteInputs {
  podCidrs: string[];
  routes: NodeRouteInput[];
  clusterCidrs: string[];
  serviceCidrs: string[];
}

/** The port-less bridge the service range is routed into (see above). */
export const SINK_DEVICE = "gantry-sink";

export interface NodeRoute {
  dst: string;
  /** Next hop; absent for blackholes and the sink. */
  via?: string;
  type: "unicast" | "blackhole" | "sink";
}

/** The routes this node should have (IPv4 only for now), by destination; first claim wins. */
export function plannedRoutes(cfg: RouteInputs): NodeRoute[] {
  const out = new Map<string, NodeRoute>();
  const own = new Set(cfg.podCidrs.map((c) => String(Ipv4Cidr.parse(c))));
  for (const r of cfg.routes) {
    if (!Ipv4Cidr.parse(`${r.nodeIp}/32`)) continue;
    for (const c of r.podCidrs) {
      const dst = Ipv4Cidr.parse(c);
      if (!dst || own.has(String(dst)) || out.has(String(dst))) continue;
      out.set(String(dst), { dst: String(dst), via: r.nodeIp, type: "unicast" });
    }
  }
  for (const c of cfg.clusterCidrs) {
    const dst = Ipv4Cidr.parse(c);
    if (dst && !out.has(String(dst))) out.set(String(dst), { dst: String(dst), type: "blackhole" });
  }
  for (const c of cfg.serviceCidrs) {
    const dst = Ipv4Cidr.parse(c);
    if (dst && !out.has(String(dst))) out.set(String(dst), { dst: String(dst), type: "sink" });
  }
  return [...out.values()];
}

interface IpRoute {
  type?: string;
  dst: string;
  gateway?: string;
  dev?: string;
}

/** Gantry's routes in the main table, as the kernel has them. */
export async function listGantryRoutes(exec: CommandRunner): Promise<NodeRoute[]> {
  const routes = await ipJson<IpRoute>(exec, ["-4", "route", "show", "table", "main", "proto", String(GANTRY_ROUTE_PROTO)]);
  return routes.map((r) => ({
    dst: r.dst.includes("/") ? r.dst : `${r.dst}/32`,
    type: r.type === "blackhole" ? "blackhole" : !r.gateway && r.dev === SINK_DEVICE ? "sink" : "unicast",
    ...(r.gateway ? { via: r.gateway } : {}),
  }));
}

function routeArgs(r: NodeRoute): string[] {
  if (r.type === "blackhole") return ["blackhole", r.dst];
  if (r.type === "sink") return [r.dst, "dev", SINK_DEVICE];
  return [r.dst, "via", r.via ?? ""];
}

const same = (a: NodeRoute, b: NodeRoute) => a.type === b.type && a.via === b.via;

export interface RouteChanges {
  added: NodeRoute[];
  replaced: NodeRoute[];
  removed: NodeRoute[];
  /** Routes that could not be programmed (another owner's route, unreachable next hop), with why. */
  failed: { route: NodeRoute; error: string }[];
}

/** Makes Gantry's routes exactly `want`. One failing route does not stop the others. */
export async function reconcileRoutes(exec: CommandRunner, want: readonly NodeRoute[]): Promise<RouteChanges> {
  const have = new Map((await listGantryRoutes(exec)).map((r) => [r.dst, r]));
  const changes: RouteChanges = { added: [], replaced: [], removed: [], failed: [] };
  const proto = ["proto", String(GANTRY_ROUTE_PROTO)];
  for (const r of want) {
    const current = have.get(r.dst);
    have.delete(r.dst);
    if (current && same(current, r)) continue;
    try {
      // `add` where there is no route of ours: a route someone else made for this destination stays.
      await exec(["ip", "route", current ? "replace" : "add", ...routeArgs(r), ...proto]);
      (current ? changes.replaced : changes.added).push(r);
    } catch (err) {
      changes.failed.push({ route: r, error: (err as Error).message });
    }
  }
  for (const stale of have.values()) {
    try {
      await exec(["ip", "route", "del", ...routeArgs(stale), ...proto]);
      changes.removed.push(stale);
    } catch (err) {
      changes.failed.push({ route: stale, error: (err as Error).message });
    }
  }
  return changes;
}
