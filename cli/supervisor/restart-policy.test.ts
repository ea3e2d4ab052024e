import { test } from "node:test";
import assert from "node:assert/strict";
import { decideRestart, describeExit, INITIAL_RESTART_STATE, type RestartState } from "./restart-policy";

/** Feeds a series of run lengths through the policy; returns each decision. */
function series(runs: number[], state: RestartState = INITIAL_RESTART_STATE) {
  return runs.map((ranForMs) => {
    const d = decideRestart(state, ranForMs);
    state = d.state;
    return d;
  });
}

test("restart policy: a daemon that ran a while is restarted almost at once", () => {
  const [d] = series([60_000]);
  assert.equal(d.delayMs, 200);
  assert.equal(d.crashLooping, false);
});

test("restart policy: quick deaths double the delay up to 2 s and never beyond", () => {
  const delays = series([100, 100, 100, 100, 100, 100, 100]).map((d) => d.delayMs);
  assert.deepEqual(delays, [200, 400, 800, 1600, 2000, 2000, 2000]);
});

test("restart policy: quick deaths in a row are reported as a crash loop from the third", () => {
  const looping = series([50, 50, 50, 50]).map((d) => d.crashLooping);
  assert.deepEqual(looping, [false, false, true, true]);
});

test("restart policy: a run of 10 s or more resets the back-off and the loop report", () => {
  const ds = series([100, 100, 100, 100, 10_000, 100]);
  assert.deepEqual(
    ds.map((d) => [d.delayMs, d.crashLooping]),
    [[200, false], [400, false], [800, true], [1600, true], [200, false], [200, false]],
  );
  // 9.9 s is still a quick death: the series goes on.
  assert.equal(series([100, 9_900])[1].delayMs, 400);
});

test("restart policy: the delay is never above 2 s, however long the loop", () => {
  let state = INITIAL_RESTART_STATE;
  for (let i = 0; i < 200; i++) {
    const d = decideRestart(state, 0);
    assert.ok(d.delayMs <= 2000 && d.delayMs > 0, `delay ${d.delayMs} at death ${i + 1}`);
    state = d.state;
  }
});

test("describeExit names the signal or the exit code", () => {
  assert.equal(describeExit(null, "SIGKILL"), "signal SIGKILL");
  assert.equal(describeExit(1, null), "exit code 1");
  assert.equal(describeExit(0, null), "exit code 0");
  assert.equal(describeExit(null, null), "an unknown cause");
});
