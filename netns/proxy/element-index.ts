// Which service owns each element of the shared maps. Normally a key has one claimant (the
// allocators hand out ClusterIPs and NodePorts once), but two Services can name the same
// external or LoadBalancer IP and port. Then the Service whose "namespace/name" sorts first
// wins, deterministically, and the other takes over when the winner goes away.

import { ELEMENT_CONTAINERS, type Element, type ElementContainer, type ServiceRules } from "./types";

type Claims = Map<string, string>; // service key -> value

export interface ElementChange {
  container: ElementContainer;
  key: string;
  /** The value in the table before; undefined: absent. */
  before?: string;
  /** The value after; undefined: absent. */
  after?: string;
}

function winner(claims: Claims | undefined): string | undefined {
  if (!claims || claims.size === 0) return undefined;
  let best: string | undefined;
  for (const k of claims.keys()) if (best === undefined || k < best) best = k;
  return claims.get(best!);
}

export class ElementIndex {
  private readonly byContainer = new Map<ElementContainer, Map<string, Claims>>(ELEMENT_CONTAINERS.map((c) => [c, new Map()]));

  /** Every element as the table should hold it (winners only). */
  *entries(): Generator<Element> {
    for (const [container, keys] of this.byContainer) {
      for (const [key, claims] of keys) yield { container, key, value: winner(claims)! };
    }
  }

  /** Element changes if `replaced` services' claims were swapped for `next` (undefined: the
   *  service is gone). Reads only; apply() makes it so. */
  diff(replaced: Map<string, { before?: ServiceRules; after?: ServiceRules }>): ElementChange[] {
    const touched = new Map<ElementContainer, Set<string>>();
    for (const { before, after } of replaced.values()) {
      for (const e of [...(before?.elements ?? []), ...(after?.elements ?? [])]) {
        let s = touched.get(e.container);
        if (!s) touched.set(e.container, (s = new Set()));
        s.add(e.key);
      }
    }
    const changes: ElementChange[] = [];
    for (const [container, keys] of touched) {
      const table = this.byContainer.get(container)!;
      for (const key of keys) {
        const current = table.get(key);
        const next: Claims = new Map(current);
        for (const [svc, { after }] of replaced) {
          next.delete(svc);
          const e = after?.elements.find((x) => x.container === container && x.key === key);
          if (e) next.set(svc, e.value);
        }
        const before = winner(current);
        const afterValue = winner(next);
        if (before !== afterValue) changes.push({ container, key, before, after: afterValue });
      }
    }
    return changes;
  }

  apply(replaced: Map<string, { before?: ServiceRules; after?: ServiceRules }>): void {
    for (const [svc, { before, after }] of replaced) {
      for (const e of before?.elements ?? []) {
        const table = this.byContainer.get(e.container)!;
        const claims = table.get(e.key);
        claims?.delete(svc);
        if (claims?.size === 0) table.delete(e.key);
      }
      for (const e of after?.elements ?? []) {
        const table = this.byContainer.get(e.container)!;
        let claims = table.get(e.key);
        if (!claims) table.set(e.key, (claims = new Map()));
        // One service naming a key twice (two ports, one ClusterIP): the first value stays.
        if (!claims.has(svc)) claims.set(svc, e.value);
      }
    }
  }

  /** Keys claimed by more than one service, for a warning. */
  conflicts(): string[] {
    const out: string[] = [];
    for (const [container, keys] of this.byContainer) {
      for (const [key, claims] of keys) if (claims.size > 1) out.push(`${container} ${key}: ${[...claims.keys()].sort().join(", ")}`);
    }
    return out;
  }
}
