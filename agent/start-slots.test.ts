import { test } from "node:test";
import assert from "node:assert/strict";
import { StartSlots, defaultStartSlots, type StartStep } from "./start-slots";

/** A step that runs until released by hand. */
function gate(): { promise: Promise<void>; open(): void } {
  let open: () => void = () => undefined;
  const promise = new Promise<void>((r) => (open = r));
  return { promise, open };
}

const tick = () => new Promise((r) => setImmediate(r));

test("at most `limit` steps run at once; a freed slot goes to the latest step, first come first served", async () => {
  const slots = new StartSlots(2);
  const order: string[] = [];
  let running = 0;
  let most = 0;
  const gates = new Map<string, ReturnType<typeof gate>>();
  const run = (name: string, step: StartStep) => {
    const g = gate();
    gates.set(name, g);
    return slots.run(step, async () => {
      order.push(name);
      running++;
      most = Math.max(most, running);
      await g.promise;
      running--;
    });
  };
  const all = [run("sandbox-1", "sandbox"), run("sandbox-2", "sandbox"), run("sandbox-3", "sandbox"), run("sandbox-4", "sandbox"), run("create-1", "create"), run("start-1", "start"), run("create-2", "create")];
  await tick();
  assert.deepEqual(order, ["sandbox-1", "sandbox-2"]);
  assert.equal(slots.queued, 5);
  gates.get("sandbox-1")!.open();
  await tick();
  gates.get("start-1")!.open();
  await tick();
  gates.get("sandbox-2")!.open();
  await tick();
  assert.deepEqual(order, ["sandbox-1", "sandbox-2", "start-1", "create-1", "create-2"]);
  for (const g of gates.values()) g.open();
  await tick();
  for (const g of gates.values()) g.open();
  await Promise.all(all);
  assert.deepEqual(order.slice(5), ["sandbox-3", "sandbox-4"]);
  assert.equal(most, 2);
  assert.equal(slots.queued, 0);
});

test("a step that fails gives its slot back and its error to the caller", async () => {
  const slots = new StartSlots(1);
  await assert.rejects(slots.run("create", () => Promise.reject(new Error("boom"))), /boom/);
  assert.equal(await slots.run("start", () => Promise.resolve(7)), 7);
});

test("the default is four slots per core, from 4 to 16", () => {
  assert.equal(defaultStartSlots(1), 4);
  assert.equal(defaultStartSlots(2), 8);
  assert.equal(defaultStartSlots(64), 16);
  assert.throws(() => new StartSlots(0), /positive integer/);
});
