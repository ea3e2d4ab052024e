// The relister against a runtime stand-in that counts its calls: exits as events read one
// container, not the whole runtime; events before start() wait for it; a runtime without exit
// events is listed every pollMs.

import { test } from "node:test";
import assert from "node:assert/strict";
import type { ContainerRuntime, ContainerState } from "../runtime/types";
import { RuntimeError } from "../runtime/types";
import { Label } from "./labels";
import type { ObservedContainer } from "./pod-worker/types";
import { Relister } from "./relist";

function container(id: string, uid: string, status: ContainerState["status"], exitCode?: number): ContainerState {
  const labels = { [Label.podUid]: uid, [Label.containerName]: id, [Label.attempt]: "0" };
  return { id, labels, status, createdAt: "2025-01-01T00:00:00Z", logPath: "/nonexistent", ...(exitCode !== undefined ? { exitCode } : {}) };
}

class FakeRuntime {
  readonly states = new Map<string, ContainerState>();
  lists = 0;
  stateCalls: string[] = [];
  listener: ((id: string) => void) | undefined;

  list(): Promise<ContainerState[]> {
    this.lists++;
    return Promise.resolve([...this.states.values()]);
  }

  state(id: string): Promise<ContainerState> {
    this.stateCalls.push(id);
    const s = this.states.get(id);
    return s ? Promise.resolve(s) : Promise.reject(new RuntimeError("NotFound", `no ${id}`));
  }

  watchExits(listener: (id: string) => void): Promise<() => void> {
    this.listener = listener;
    return Promise.resolve(() => (this.listener = undefined));
  }
}

interface Seen {
  uid: string;
  containers: ObservedContainer[];
  partial: boolean;
}

function relister(rt: Partial<ContainerRuntime>, uids: string[], seen: Seen[], errors: unknown[] = []) {
  return new Relister(
    rt as ContainerRuntime,
    { uids: () => uids, observed: (uid, containers, _at, partial) => seen.push({ uid, containers, partial }) },
    (err) => errors.push(err),
    { resyncMs: 3_600_000, pollMs: 20 },
  );
}

const settle = () => new Promise((r) => setTimeout(r, 30));

/** Waits (up to 5 s, for a loaded machine) until `done()`. */
async function until(done: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !done(); i++) await new Promise((r) => setTimeout(r, 10));
}

test("an exit event reads that container alone and hands it over as a partial observation", async (t) => {
  const rt = new FakeRuntime();
  rt.states.set("a", container("a", "pod-1", "running"));
  rt.states.set("b", container("b", "pod-2", "running"));
  const seen: Seen[] = [];
  const errors: unknown[] = [];
  const r = relister(rt, ["pod-1", "pod-2"], seen, errors);
  t.after(() => r.stop());
  await r.watch();
  rt.states.set("a", container("a", "pod-1", "exited", 3));
  rt.listener!("a"); // before start(): waits for it
  await settle();
  assert.equal(seen.length, 0, "nothing before start()");
  r.start();
  await until(() => seen.length > 0);
  assert.deepEqual(seen.map((s) => [s.uid, s.containers.map((c) => [c.id, c.status, c.exitCode]), s.partial]), [["pod-1", [["a", "exited", 3]], true]]);
  assert.equal(rt.lists, 0, "nothing listed");
  assert.deepEqual(rt.stateCalls, ["a"]);
  // A container removed before its event was read is no error.
  rt.listener!("gone");
  await until(() => rt.stateCalls.length > 1);
  await settle();
  assert.deepEqual(errors, []);
  assert.equal(rt.lists, 0);
});

test("a runtime without exit events is listed every pollMs", async (t) => {
  const rt = new FakeRuntime();
  rt.states.set("a", container("a", "pod-1", "running"));
  const polled = { list: () => rt.list(), state: (id: string) => rt.state(id) };
  const seen: Seen[] = [];
  const r = relister(polled, ["pod-1"], seen);
  t.after(() => r.stop());
  await r.watch();
  r.start();
  await until(() => rt.lists >= 3);
  assert.ok(rt.lists >= 3, `listed ${rt.lists} times`);
  assert.deepEqual(seen.map((s) => [s.uid, s.partial]), [["pod-1", false]], "an unchanged pod is handed over once");
});
