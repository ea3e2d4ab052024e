import assert from "node:assert/strict";
import { test } from "node:test";
import { apiError } from "../testing/api-error";
import { decodeYaml } from "./yaml";

test("YAML 1.1 scalars as Kubernetes reads them; timestamps, binary and base-60 stay strings", () => {
  const doc = decodeYaml("kind: ConfigMap\ndata:\n  mode: 0644\n  on: yes\n  when: 2024-01-01T00:00:00Z\n  b: !!binary aGk=\n  port: 1:20\n  nothing: ~\n", "the body");
  assert.deepEqual(doc, { kind: "ConfigMap", data: { mode: 420, true: true, when: "2024-01-01T00:00:00Z", b: "aGk=", port: "1:20", nothing: null } });
});

test("aliases expand; a billion-laughs bomb is refused", () => {
  assert.deepEqual(decodeYaml("a: &e [{name: A}]\nb: *e\n", "x"), { a: [{ name: "A" }], b: [{ name: "A" }] });
  let bomb = 'l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n';
  for (let i = 1; i < 9; i++) bomb += `l${i}: &l${i} [${Array(9).fill(`*l${i - 1}`).join(",")}]\n`;
  const started = performance.now();
  const err = apiError(() => decodeYaml(bomb, "the request body"));
  assert.equal(err.code, 400);
  assert.match(err.message, /Excessive alias count/);
  assert.ok(performance.now() - started < 1000);
});

// The library needs more stack than the main thread has to decode MAX_NESTING_DEPTH levels (the
// apiserver decodes on a worker, see master/apiserver/yaml-decoder.test.ts), so small limits here.
test("nesting over the limit is refused early, aliases counted as what they name", () => {
  const flow = (n: number) => "[".repeat(n) + "]".repeat(n);
  assert.equal((decodeYaml(flow(100), "b", 100) as unknown[]).length, 1);
  assert.match(apiError(() => decodeYaml(flow(101), "the request body", 100)).message, /^the request body nests objects and arrays more than 100 levels deep/);
  const started = performance.now();
  assert.equal(apiError(() => decodeYaml("- ".repeat(1_500_000) + "x", "b")).code, 400);
  assert.ok(performance.now() - started < 2000);
  // Each level is shallow, but the aliases stack the levels up to 5 × 100.
  let chain = `a0: &a0 ${flow(100)}\n`;
  for (let i = 1; i < 5; i++) chain += `a${i}: &a${i} ${"[".repeat(100)}*a${i - 1}${"]".repeat(100)}\n`;
  assert.match(apiError(() => decodeYaml(chain, "b", 300)).message, /more than 300 levels deep/);
  assert.equal((decodeYaml(chain, "b", 600) as Record<string, unknown>).a0 instanceof Array, true);
});

test("collection keys, cycles, several documents and bad YAML are 400s", () => {
  assert.match(apiError(() => decodeYaml("{[a]: b}", "b")).message, /map key that is not a string/);
  const started = performance.now();
  assert.match(apiError(() => decodeYaml("? ".repeat(400) + "x\n", "b")).message, /map key that is not a string/);
  assert.ok(performance.now() - started < 1000, "nested complex keys take the library exponential time to stringify");
  assert.match(apiError(() => decodeYaml("a: &a [*a]\n", "b")).message, /inside the node it names/);
  assert.match(apiError(() => decodeYaml("a: 1\n---\nb: 2\n", "b")).message, /exactly one YAML document, found 2/);
  assert.match(apiError(() => decodeYaml("a: [1\n", "b")).message, /^b is not valid YAML: /);
});
