// Turns "what the table holds" + "what it should hold" into one `nft -f` transaction (pure).
//
// Three kinds of sync (kube-proxy's partial-sync idea, KEP-3866):
//   replace  first sync of this process: `delete table` and build everything anew in the same
//            transaction, so whatever a dead predecessor left is gone with no window without rules
//   full     every chain rewritten and every map refilled (repairs anything changed behind our
//            back); affinity sets are kept so ClientIP stickiness survives
//   partial  only the chains of the services that changed, and only the map elements whose
//            value changes: an endpoint change costs the same with 10 or 10,000 Services
//
// Chains that are no longer used are flushed in the transaction and deleted by a later one
// (deleteChainsScript): Linux before 6.2 refuses to delete a chain in the transaction that
// removes the map element pointing at it.

import { baseObjects, TABLE, type BaseObjects } from "./base-rules";
import { ElementIndex, type ElementChange } from "./element-index";
import type { AffinitySet, ElementContainer, ProxyFacts, ServiceRules } from "./types";

/** What the kernel holds, as far as this process knows (it last wrote it). */
export interface ProgrammedState {
  base: BaseObjects;
  services: Map<string, ServiceRules>;
  elements: ElementIndex;
}

export interface SyncPlan {
  kind: "replace" | "full" | "partial";
  script: string;
  /** Chains flushed by this transaction that a later one must delete. */
  staleChains: string[];
  /** Every chain this transaction (re)wrote. */
  writtenChains: string[];
  /** Call once the transaction succeeded: the state the table is in now. */
  commit(): ProgrammedState;
}

const ELEMENTS_PER_LINE = 500;

class Script {
  readonly lines: string[] = [];
  add(line: string): void {
    this.lines.push(line);
  }
  text(): string {
    return this.lines.join("\n") + "\n";
  }
}

function chainDecl(s: Script, name: string, hook: string | undefined, flush: boolean): void {
  s.add(hook ? `add chain ${TABLE} ${name} { ${hook}; }` : `add chain ${TABLE} ${name}`);
  if (flush) s.add(`flush chain ${TABLE} ${name}`);
}

function affinityDecl(a: AffinitySet): string {
  return `add set ${TABLE} ${a.name} { type ipv4_addr; flags dynamic,timeout; timeout ${a.timeoutSeconds}s; }`;
}

function elementLines(s: Script, verb: "add" | "delete", container: ElementContainer | string, items: string[]): void {
  for (let i = 0; i < items.length; i += ELEMENTS_PER_LINE) s.add(`${verb} element ${TABLE} ${container} { ${items.slice(i, i + ELEMENTS_PER_LINE).join(", ")} }`);
}

function elementText(key: string, value: string): string {
  return value === "" ? key : `${key} : ${value}`;
}

function writeBase(s: Script, base: BaseObjects, flush: boolean): void {
  for (const set of base.sets) {
    s.add(`add ${set.kind} ${TABLE} ${set.name} { ${set.spec} }`);
    if (flush) s.add(`flush ${set.kind} ${TABLE} ${set.name}`);
    elementLines(s, "add", set.name, set.elements);
  }
  for (const c of base.chains) chainDecl(s, c.name, c.hook, flush);
}

function writeRules(s: Script, chains: { name: string; rules: string[] }[]): void {
  for (const c of chains) for (const r of c.rules) s.add(`add rule ${TABLE} ${c.name} ${r}`);
}

function affinityMap(rules: Iterable<ServiceRules>): Map<string, number> {
  const m = new Map<string, number>();
  for (const r of rules) for (const a of r.affinitySets) m.set(a.name, a.timeoutSeconds);
  return m;
}

/** Affinity sets: gone ones deleted, new ones added, a changed timeout means delete + add
 *  (nft cannot change a set's timeout in place). */
function writeAffinity(s: Script, before: Map<string, number>, after: Map<string, number>): void {
  for (const [name, timeout] of before) if (after.get(name) !== timeout) s.add(`delete set ${TABLE} ${name}`);
  for (const [name, timeout] of after) if (before.get(name) !== timeout) s.add(affinityDecl({ name, timeoutSeconds: timeout }));
}

function chainNames(rules: Iterable<ServiceRules | undefined>): Set<string> {
  const out = new Set<string>();
  for (const r of rules) for (const c of r?.chains ?? []) out.add(c.name);
  return out;
}

/** replace (no `state`, or `replace`) or full: the whole table from `services`. */
export function planFull(state: ProgrammedState | undefined, facts: ProxyFacts, services: Map<string, ServiceRules>, replace: boolean): SyncPlan {
  const kind = state === undefined || replace ? "replace" : "full";
  const base = baseObjects(facts);
  const s = new Script();
  s.add(`add table ${TABLE}`);
  if (kind === "replace") {
    s.add(`delete table ${TABLE}`);
    s.add(`add table ${TABLE} { comment "Gantry service proxy and pod masquerading; rewritten by the gantry agent"; }`);
  }
  const flush = kind === "full";
  writeBase(s, base, flush);

  const all = [...services.values()];
  const written = all.flatMap((r) => r.chains);
  for (const c of written) chainDecl(s, c.name, undefined, flush);
  const newChains = chainNames(all);
  const stale = kind === "full" ? [...chainNames(state!.services.values())].filter((n) => !newChains.has(n)) : [];
  for (const n of stale) s.add(`flush chain ${TABLE} ${n}`);

  // Sets before rules: rules name them.
  const before = kind === "full" ? affinityMap(state!.services.values()) : new Map<string, number>();
  const after = affinityMap(all);
  if (kind === "full") {
    // Kept sets are declared again (a no-op) so a set deleted behind our back comes back.
    for (const [name, timeout] of after) if (before.get(name) === timeout) s.add(affinityDecl({ name, timeoutSeconds: timeout }));
  }
  writeAffinity(s, before, after);

  writeRules(s, base.chains);
  writeRules(s, written);

  const elements = new ElementIndex();
  elements.apply(new Map(all.map((r) => [r.key, { after: r }])));
  const byContainer = new Map<string, string[]>();
  for (const e of elements.entries()) {
    let list = byContainer.get(e.container);
    if (!list) byContainer.set(e.container, (list = []));
    list.push(elementText(e.key, e.value));
  }
  for (const [container, items] of byContainer) elementLines(s, "add", container, items);

  const next: ProgrammedState = { base, services: new Map(services), elements };
  return { kind, script: s.text(), staleChains: stale, writtenChains: [...newChains], commit: () => next };
}

/** partial: `changes` maps each changed service to its new rules (undefined: removed). */
export function planPartial(state: ProgrammedState, changes: Map<string, ServiceRules | undefined>): SyncPlan {
  const s = new Script();
  const replaced = new Map<string, { before?: ServiceRules; after?: ServiceRules }>();
  for (const [key, after] of changes) replaced.set(key, { before: state.services.get(key), after });

  const befores = [...replaced.values()].map((r) => r.before);
  const afters = [...replaced.values()].map((r) => r.after);
  const written = afters.flatMap((r) => r?.chains ?? []);
  const newChains = chainNames(afters);
  const stale = [...chainNames(befores)].filter((n) => !newChains.has(n));
  for (const c of written) chainDecl(s, c.name, undefined, true);
  for (const n of stale) s.add(`flush chain ${TABLE} ${n}`);
  writeAffinity(s, affinityMap(befores.filter((r): r is ServiceRules => r !== undefined)), affinityMap(afters.filter((r): r is ServiceRules => r !== undefined)));
  writeRules(s, written);
  writeElementChanges(s, state.elements.diff(replaced));

  return {
    kind: "partial",
    script: s.text(),
    staleChains: stale,
    writtenChains: [...newChains],
    commit() {
      const services = new Map(state.services);
      for (const [key, after] of changes) {
        if (after) services.set(key, after);
        else services.delete(key);
      }
      state.elements.apply(replaced);
      return { base: state.base, services, elements: state.elements };
    },
  };
}

function writeElementChanges(s: Script, changes: ElementChange[]): void {
  const dels = new Map<string, string[]>();
  const adds = new Map<string, string[]>();
  const push = (m: Map<string, string[]>, c: string, v: string) => {
    let l = m.get(c);
    if (!l) m.set(c, (l = []));
    l.push(v);
  };
  for (const c of changes) {
    if (c.before !== undefined) push(dels, c.container, c.key);
    if (c.after !== undefined) push(adds, c.container, elementText(c.key, c.after));
  }
  for (const [c, items] of dels) elementLines(s, "delete", c, items);
  for (const [c, items] of adds) elementLines(s, "add", c, items);
}

/** A separate transaction deleting chains flushed earlier. `add` first makes it idempotent:
 *  a chain someone already deleted is not an error. */
export function deleteChainsScript(chains: string[]): string {
  return chains.map((c) => `add chain ${TABLE} ${c}\ndelete chain ${TABLE} ${c}`).join("\n") + "\n";
}
