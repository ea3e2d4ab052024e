// The placement core of one scheduling cycle, pure and synchronous: filter every node, score the
// feasible ones, pick the best. No I/O and no clock, so tests drive it with plain objects.
// (The cycle around it — queue, snapshot, assume, bind — is Scheduler.scheduleOne.)

import type { NodeInfo } from "./node-info";
import type { PodInfo } from "./pod-info";
import type { FilterPlugin, ScorePlugin, UnschedulableStatus } from "./types";

export interface Rejection {
  readonly node: NodeInfo;
  /** The plugin that rejected the node first; filters after it were not asked. */
  readonly plugin: string;
  readonly status: UnschedulableStatus;
}

export interface FilterResult {
  feasible: NodeInfo[];
  /** Every node that did not pass, and why: the record users read when a pod does not fit. */
  rejected: Rejection[];
  /** A plugin failed to decide; the cycle must be aborted. */
  error?: { plugin: string; node: string; message: string };
}

/** Runs the filters over every node; a node's first failing filter decides its rejection. */
export function filterNodes(pod: PodInfo, nodes: readonly NodeInfo[], filters: readonly FilterPlugin[]): FilterResult {
  const feasible: NodeInfo[] = [];
  const rejected: Rejection[] = [];
  for (const node of nodes) {
    let fits = true;
    for (const plugin of filters) {
      const status = plugin.filter(pod, node);
      if (status.code === "Success") continue;
      if (status.code === "Error") return { feasible, rejected, error: { plugin: plugin.name, node: node.name, message: status.message } };
      rejected.push({ node, plugin: plugin.name, status });
      fits = false;
      break;
    }
    if (fits) feasible.push(node);
  }
  return { feasible, rejected };
}

/** Weighted sum of every scorer, per node (same order as `nodes`). */
export function scoreNodes(pod: PodInfo, nodes: readonly NodeInfo[], scorers: readonly ScorePlugin[]): number[] {
  const scores = new Array<number>(nodes.length).fill(0);
  for (const scorer of scorers) {
    const weight = scorer.weight ?? 1;
    for (let i = 0; i < nodes.length; i++) scores[i] += weight * scorer.score(pod, nodes[i]);
  }
  return scores;
}

/** FNV-1a, 32 bit: a stable, cheap hash of the pod's key. */
export function hashKey(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * The highest-scoring node. Ties (e.g. several empty nodes) are broken by the pod's name hash
 * rotated over the tied nodes in name order: deterministic for a given pod and cluster, yet
 * different pods spread over equally good nodes instead of all taking the first. When `nodes`
 * are class representatives, `standsFor` expands a tied one to every node in its state, so the
 * choice is the same as if every node had been scored.
 */
export function selectHost(
  pod: PodInfo,
  nodes: readonly NodeInfo[],
  scores: readonly number[],
  standsFor: (node: NodeInfo) => readonly NodeInfo[] = (n) => [n],
): NodeInfo | undefined {
  let best = -Infinity;
  let ties: number[] = [];
  for (let i = 0; i < nodes.length; i++) {
    if (scores[i] > best) {
      best = scores[i];
      ties = [i];
    } else if (scores[i] === best) {
      ties.push(i);
    }
  }
  if (ties.length === 0) return undefined;
  const tied =
    ties.length === 1
      ? standsFor(nodes[ties[0]])
      : ties.flatMap((i) => standsFor(nodes[i])).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return tied[hashKey(pod.key) % tied.length];
}
