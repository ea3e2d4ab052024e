import { test } from "node:test";
import assert from "node:assert/strict";
import { DesiredSet, type DesiredPodEntry } from "./desired-set";
import type { VolumeSourceData } from "../pod-spec/volume-data";

const entry = (uid: string, name: string, extra: object = {}, rv = "1"): DesiredPodEntry => ({
  uid,
  namespace: "default",
  name,
  resourceVersion: rv,
  podJson: JSON.stringify({ metadata: { uid, name, namespace: "default" }, spec: { containers: [{ name: "c", image: "busybox" }], ...extra } }),
});
const secret = (name: string): VolumeSourceData => ({ kind: "Secret", namespace: "default", name, resourceVersion: "1", exists: true, type: "Opaque", data: { k: Buffer.from("v") } });

test("full sets replace, deltas add and remove; unchanged entries are not reported again", () => {
  const s = new DesiredSet();
  let r = s.apply({ generation: 1, full: true, upsert: [entry("a", "pa"), entry("b", "pb")], remove: [], volumeData: [] });
  assert.deepEqual(r.upserted.map((p) => p.uid), ["a", "b"]);
  assert.equal(r.upserted[0].pod.spec?.restartPolicy, "Always", "defaults applied");
  r = s.apply({ generation: 2, full: false, upsert: [entry("a", "pa"), entry("c", "pc")], remove: ["b"], volumeData: [] });
  assert.deepEqual(r.upserted.map((p) => p.uid), ["c"]);
  assert.deepEqual(r.removed, ["b"]);
  r = s.apply({ generation: 3, full: true, upsert: [entry("a", "pa", {}, "2")], remove: [], volumeData: [] });
  assert.deepEqual(r.upserted.map((p) => p.uid), ["a"]);
  assert.deepEqual(r.removed, ["c"]);
  assert.equal(s.generation, 3);
});

test("unusable entries are rejected with a reason; a running version is kept", () => {
  const s = new DesiredSet();
  s.apply({ generation: 1, full: true, upsert: [entry("a", "pa")], remove: [], volumeData: [] });
  const r = s.apply({
    generation: 2,
    full: true,
    upsert: [
      { ...entry("a", "pa"), podJson: "{broken" },
      { ...entry("x", "px"), name: "other" },
      { uid: "y", namespace: "default", name: "py", resourceVersion: "1", podJson: JSON.stringify({ metadata: { uid: "y", name: "py", namespace: "default" }, spec: { containers: [] } }) },
    ],
    remove: [],
    volumeData: [],
  });
  assert.deepEqual(r.rejected.map((x) => x.uid), ["a", "x", "y"]);
  assert.match(r.rejected[0].message, /does not parse/);
  assert.match(r.rejected[1].message, /metadata.name "px" does not match name "other"/);
  assert.equal(r.rejected[2].message, "pod_json has no spec.containers");
  assert.deepEqual([...s.pods.keys()], ["a"]);
  assert.deepEqual(r.removed, []);
});

test("volume data is kept only while a desired pod references it", () => {
  const s = new DesiredSet();
  const usesSecret = entry("a", "pa", { volumes: [{ name: "v", secret: { secretName: "s1" } }] });
  s.apply({ generation: 1, full: true, upsert: [usesSecret, entry("b", "pb")], remove: [], volumeData: [secret("s1"), secret("unused")] });
  assert.ok(s.get("Secret", "default", "s1"));
  assert.equal(s.get("Secret", "default", "unused"), undefined);
  s.apply({ generation: 2, full: false, upsert: [], remove: ["a"], volumeData: [] });
  assert.equal(s.get("Secret", "default", "s1"), undefined);
});
