// An etcd client for maintenance and membership calls: no retry or circuit-breaker policies, so
// the caller sees every error (its own loop decides what to retry), and a deadline on each call.
// Given one member's URL, every call goes to that member (Status, Defragment are per member).

import { noop } from "cockatiel";
import { Etcd3 } from "etcd3";

export function directClient(endpoints: string[], timeoutMs = 10_000): Etcd3 {
  return new Etcd3({
    hosts: endpoints,
    faultHandling: { host: () => noop, global: noop },
    defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + timeoutMs }),
  });
}
