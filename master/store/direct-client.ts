// An etcd client for maintenance and membership calls: no retry or circuit-breaker policies, so
// the caller sees every error (its own loop decides what to retry), and a deadline on each call.
// Given one member's URL, every call goes to that member (Status, Defragment are per member).

import { noop } from "cockatiel";
import { Etcd3 } from "etcd3";
import { etcd3Credentials, type EtcdClientTls } from "./etcd-tls";

/** `tls`: the client certificate for members that serve TLS (every master's). */
export function directClient(endpoints: string[], tls: EtcdClientTls | undefined, timeoutMs = 10_000): Etcd3 {
  return new Etcd3({
    hosts: endpoints,
    credentials: etcd3Credentials(tls),
    faultHandling: { host: () => noop, global: noop },
    defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + timeoutMs }),
  });
}
