// ClusterIPs (from the service range, `--service-cluster-ip-range`, default 10.96.0.0/12) and
// NodePorts (30000-32767) for Services. Each allocation is a key in etcd created if absent, so
// two masters can never hand out the same address; the Service keeps what it got until it is
// deleted, and deletion releases it. A ClusterIP asked for outside the range is refused (422).

import { ApiError, errors } from "../../api/errors";
import type { Ipv4Cidr } from "../../api/ipv4-cidr";
import type { JsonObject, KubeObject } from "../../api/object";
import type { ResourceType } from "../../api/resources";
import type { Store } from "../store/types";
import { StoreError } from "../store/types";

/** The first address is the `kubernetes` Service's; offset 0 is the network address. */
const FIRST_DYNAMIC_OFFSET = 2;
/**
 * The cluster DNS Service's address (kube-dns, the range's 10th): never handed out at random,
 * so no Service created before the bootstrap made kube-dns (an older cluster, a race with
 * another master) can hold it. Asked for by name, it is reserved like any other address.
 */
const CLUSTER_DNS_OFFSET = 10;
const NODE_PORT_MIN = 30000;
const NODE_PORT_MAX = 32767;

const ipKey = (ip: string) => `/gantry/allocations/clusterip/${ip}`;
const portKey = (port: number) => `/gantry/allocations/nodeport/${port}`;

interface ServiceSpec {
  type?: string;
  clusterIP?: string;
  clusterIPs?: string[];
  ports?: { nodePort?: number; port: number }[];
}

/** Fills spec.clusterIP(s) and nodePorts of a Service about to be created, reserving each. */
export async function allocateServiceAddresses(store: Store, svc: KubeObject, range: Ipv4Cidr, random: () => number = Math.random): Promise<KubeObject> {
  const spec = { ...((svc.spec ?? {}) as ServiceSpec & JsonObject) };
  const owner = `${svc.metadata.namespace}/${svc.metadata.name}`;
  const reserved: string[] = [];
  try {
    if (spec.type !== "ExternalName" && spec.clusterIP !== "None") {
      if (spec.clusterIP) {
        if (!range.contains(spec.clusterIP)) {
          throw errors.invalid("", "Service", svc.metadata.name ?? "", [{ reason: "FieldValueInvalid", field: "spec.clusterIPs", message: `Invalid value: []string{"${spec.clusterIP}"}: failed to allocate IP ${spec.clusterIP}: the provided IP (${spec.clusterIP}) is not in the valid range. The range of valid IPs is ${range}` }]);
        }
        await reserve(store, ipKey(spec.clusterIP), owner, () => errors.invalid("", "Service", svc.metadata.name ?? "", [{ reason: "FieldValueInvalid", field: "spec.clusterIPs", message: `Invalid value: []string{"${spec.clusterIP}"}: failed to allocate IP ${spec.clusterIP}: provided IP is already allocated` }]));
        reserved.push(ipKey(spec.clusterIP));
      } else {
        // Neither the network address, the `kubernetes` Service's address, the cluster DNS
        // address, nor the broadcast address.
        const ip = await reserveRandom(store, owner, range.size - FIRST_DYNAMIC_OFFSET - 1, random, (i) => range.addressAt(FIRST_DYNAMIC_OFFSET + i), ipKey, (i) => FIRST_DYNAMIC_OFFSET + i === CLUSTER_DNS_OFFSET);
        reserved.push(ipKey(ip));
        spec.clusterIP = ip;
        spec.clusterIPs = [ip];
      }
    }
    if (spec.type === "NodePort" || spec.type === "LoadBalancer") {
      const ports = (spec.ports ?? []).map((p) => ({ ...p }));
      for (const p of ports) {
        if (p.nodePort) {
          await reserve(store, portKey(p.nodePort), owner, () => errors.invalid("", "Service", svc.metadata.name ?? "", [{ reason: "FieldValueInvalid", field: "spec.ports[].nodePort", message: `Invalid value: ${p.nodePort}: provided port is already allocated` }]));
          reserved.push(portKey(p.nodePort));
        } else {
          p.nodePort = Number(await reserveRandom(store, owner, NODE_PORT_MAX - NODE_PORT_MIN + 1, random, (i) => String(NODE_PORT_MIN + i), (v) => portKey(Number(v))));
          reserved.push(portKey(p.nodePort));
        }
      }
      spec.ports = ports;
    }
  } catch (err) {
    await Promise.all(reserved.map((k) => store.delete(k).catch(() => undefined)));
    throw err;
  }
  return { ...svc, spec };
}

/** Releases what a deleted Service held. Missing reservations are fine. */
export async function releaseServiceAddresses(store: Store, svc: KubeObject): Promise<void> {
  const spec = (svc.spec ?? {}) as ServiceSpec;
  const keys: string[] = [];
  if (spec.clusterIP && spec.clusterIP !== "None") keys.push(ipKey(spec.clusterIP));
  for (const p of spec.ports ?? []) if (p.nodePort) keys.push(portKey(p.nodePort));
  await Promise.all(keys.map((k) => store.delete(k).catch((err) => (err instanceof StoreError && err.code === "NotFound" ? undefined : Promise.reject(err)))));
}

async function reserve(store: Store, key: string, owner: string, taken: () => ApiError): Promise<void> {
  try {
    await store.create(key, { metadata: { name: owner } });
  } catch (err) {
    if (err instanceof StoreError && err.code === "AlreadyExists") throw taken();
    throw err;
  }
}

/** Tries random slots, then a linear scan from a random start, so a nearly full range still works. */
async function reserveRandom(
  store: Store,
  owner: string,
  size: number,
  random: () => number,
  valueAt: (i: number) => string,
  keyOf: (v: string) => string,
  skip: (i: number) => boolean = () => false,
): Promise<string> {
  const attempt = async (i: number) => {
    if (skip(i)) return undefined;
    const value = valueAt(i);
    try {
      await store.create(keyOf(value), { metadata: { name: owner } });
      return value;
    } catch (err) {
      if (err instanceof StoreError && err.code === "AlreadyExists") return undefined;
      throw err;
    }
  };
  for (let n = 0; n < 16; n++) {
    const got = await attempt(Math.floor(random() * size));
    if (got) return got;
  }
  const start = Math.floor(random() * size);
  for (let n = 0; n < size; n++) {
    const got = await attempt((start + n) % size);
    if (got) return got;
  }
  throw errors.internal("the service address range is full");
}

/** Stores a new object; Services get their addresses first, released again if the write fails. */
export async function persistNew(rawStore: Store, serviceRange: Ipv4Cidr, store: { resource: ResourceType; create(o: KubeObject): Promise<KubeObject> }, obj: KubeObject): Promise<KubeObject> {
  if (!isService(store.resource)) return store.create(obj);
  const allocated = await allocateServiceAddresses(rawStore, obj, serviceRange);
  try {
    return await store.create(allocated);
  } catch (err) {
    await releaseServiceAddresses(rawStore, allocated).catch(() => undefined);
    throw err;
  }
}

export function isService(r: ResourceType): boolean {
  return r.group === "" && r.kind === "Service";
}
