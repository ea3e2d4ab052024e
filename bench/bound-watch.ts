// The scheduler benchmark's observer: which bench pods are bound, to which node, at which etcd
// revision, and when this process saw it. A raw etcd watch on the pods' prefix that reads only
// `spec.nodeName` out of each stored value, instead of an informer decoding every pod twice
// (create and bind): on two shared cores a full decode made the observer lag seconds behind the
// scheduler, and the benchmark measured its own watch rather than the scheduler.

import type { Etcd3, Watcher } from "etcd3";
import { performance } from "node:perf_hooks";

export interface BoundPod {
  node: string;
  /** performance.now() when this process saw the bind. */
  at: number;
  /** The etcd revision of the bind: pods with the same one were bound in one transaction. */
  revision: string;
}

const NODE_NAME = Buffer.from('"nodeName":"');

/** `spec.nodeName` of a stored pod (JSON, unencrypted), or undefined if it has none. */
export function nodeNameOf(value: Buffer): string | undefined {
  const at = value.indexOf(NODE_NAME);
  if (at < 0) return undefined;
  const start = at + NODE_NAME.length;
  const end = value.indexOf(0x22 /* " */, start);
  // Node names are DNS subdomains: no escapes to undo.
  return end > start ? value.toString("utf8", start, end) : undefined;
}

export class BoundWatch {
  /** Pod name → its first bind seen. */
  readonly bound = new Map<string, BoundPod>();
  private watcher?: Watcher;

  constructor(
    private readonly client: Etcd3,
    /** e.g. /registry/pods/<namespace>/ */
    private readonly prefix: string,
  ) {}

  async start(): Promise<void> {
    const w = await this.client.watch().prefix(this.prefix).create();
    w.on("put", (kv) => {
      const name = kv.key.toString("utf8", this.prefix.length);
      if (this.bound.has(name)) return;
      const node = nodeNameOf(kv.value);
      if (node) this.bound.set(name, { node, at: performance.now(), revision: kv.mod_revision });
    });
    w.on("error", () => {
      // The run fails on its own timeout if binds stop arriving; nothing to add here.
    });
    this.watcher = w;
  }

  async stop(): Promise<void> {
    await this.watcher?.cancel();
  }
}
