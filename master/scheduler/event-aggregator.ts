// Folds floods of similar Events into one, as client-go's event correlator (EventAggregator)
// does, so a burst of 10,000 placements neither writes 10,000 Events nor drops any silently.
//
// Events are "similar" when they share an aggregation key: type, reason, the involved object's
// namespace and kind. Within a window (`windowMs`, from the first event of that key), the first
// `maxIndividual` similar events are written one by one; every later one is folded into a single
// aggregate Event per key whose `count` is the number folded and whose message is the newest
// one prefixed "(combined from similar events): ". Aggregates are handed out by `flush()`: the
// caller writes each as "create, or add `count` to the Event this key already has". When the
// window ends, the key starts over (new individual events, then a new aggregate).
//
// Pure: no I/O, the clock is injected, so tests drive it with numbers.
//
// Worked example (maxIndividual 2): Scheduled a, b, c, d within the window → add() returns a and b
// (write them), c and d return undefined; flush() returns one aggregate, count 2, message
// "(combined from similar events): Successfully assigned ns/d to node-x", involved = c (the first
// folded). Every event is accounted for: 2 written + count 2.

import type { KubeObject } from "../../api/object";

export type EventType = "Normal" | "Warning";

export interface SchedulerEvent {
  /** Carries apiVersion and kind. */
  involved: KubeObject;
  type: EventType;
  reason: string;
  message: string;
}

export interface AggregateEvent {
  /** The aggregation key; the writer keeps one Event object per key and window. */
  key: string;
  /** The key's window number: a new window means a new aggregate Event. */
  window: number;
  /** The first folded event's object, as client-go's aggregate keeps its first object. */
  involved: KubeObject;
  type: EventType;
  reason: string;
  /** "(combined from similar events): " + the newest folded message. */
  message: string;
  /** Events folded since the previous flush of this key (add this to the Event's count). */
  count: number;
}

export interface AggregatorOptions {
  /** Similar events written one by one per window before folding starts (client-go: 10). */
  maxIndividual: number;
  /** How long a window lasts from its first event, in ms (client-go: 10 minutes). */
  windowMs: number;
}

export const COMBINED_PREFIX = "(combined from similar events): ";

interface KeyState {
  windowStart: number;
  window: number;
  individual: number;
  /** Folded since the last flush. */
  pending?: { involved: KubeObject; message: string; count: number };
}

export function aggregationKey(e: SchedulerEvent): string {
  return `${e.type}\u0000${e.reason}\u0000${e.involved.metadata.namespace ?? ""}\u0000${e.involved.kind ?? ""}`;
}

export class EventAggregator {
  private readonly keys = new Map<string, KeyState>();
  /** Aggregates of windows that ended before anyone flushed them. */
  private readonly orphans: AggregateEvent[] = [];
  private windows = 0;

  constructor(
    private readonly options: AggregatorOptions,
    private readonly now: () => number,
  ) {}

  /** The event to write now, or undefined when it was folded into its key's aggregate. */
  add(e: SchedulerEvent): SchedulerEvent | undefined {
    const key = aggregationKey(e);
    const t = this.now();
    let state = this.keys.get(key);
    if (!state || t - state.windowStart >= this.options.windowMs) {
      // A new window. Whatever the old one folded and nobody flushed yet is kept for flush().
      const carried = state?.pending;
      if (carried) this.orphans.push(this.aggregateOf(key, state!, carried));
      state = { windowStart: t, window: ++this.windows, individual: 0 };
      this.keys.set(key, state);
    }
    if (state.individual < this.options.maxIndividual) {
      state.individual++;
      return e;
    }
    if (state.pending) {
      state.pending.count++;
      state.pending.message = e.message;
    } else {
      state.pending = { involved: e.involved, message: e.message, count: 1 };
    }
    return undefined;
  }

  /** The aggregates folded since the last flush, one per key (plus any from ended windows). */
  flush(): AggregateEvent[] {
    const out = this.orphans.splice(0);
    const t = this.now();
    for (const [key, state] of this.keys) {
      if (state.pending) {
        out.push(this.aggregateOf(key, state, state.pending));
        state.pending = undefined;
      }
      // Forget keys whose window ended with nothing left to write.
      if (t - state.windowStart >= this.options.windowMs) this.keys.delete(key);
    }
    return out;
  }

  /** Events folded and not yet flushed. */
  pendingCount(): number {
    let n = 0;
    for (const s of this.keys.values()) n += s.pending?.count ?? 0;
    for (const o of this.orphans) n += o.count;
    return n;
  }

  private aggregateOf(key: string, state: KeyState, p: NonNullable<KeyState["pending"]>): AggregateEvent {
    const [type, reason] = key.split("\u0000") as [EventType, string];
    return { key, window: state.window, involved: p.involved, type, reason, message: COMBINED_PREFIX + p.message, count: p.count };
  }
}
