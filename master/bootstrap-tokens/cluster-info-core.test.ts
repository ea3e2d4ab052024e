import { test } from "node:test";
import assert from "node:assert/strict";
import type { TokenRecord } from "../../api/bootstrap/token";
import { nextExpiry, signingTokens, withSignatures } from "./cluster-info-core";

const now = new Date("2026-03-01T00:00:00Z");
const token = (id: string, o: Partial<TokenRecord> = {}): TokenRecord => ({ id, secret: "0123456789abcdef", usages: ["authentication", "signing"], groups: [], description: "", ...o });

test("only unexpired signing tokens sign, in id order", () => {
  const tokens = [
    token("zzzzzz"),
    token("aaaaaa", { expiration: new Date(now.getTime() + 1000) }),
    token("bbbbbb", { expiration: now }),
    token("cccccc", { usages: ["authentication"] }),
  ];
  assert.deepEqual(signingTokens(tokens, now).map((t) => t.id), ["aaaaaa", "zzzzzz"]);
  assert.equal(nextExpiry(signingTokens(tokens, now), now), now.getTime() + 1000);
  assert.equal(nextExpiry([token("x")], now), undefined);
});

test("signatures are exactly the given ones; other keys stay", () => {
  const data = { kubeconfig: "k", "jws-kubeconfig-old": "x..y", other: "kept" };
  assert.deepEqual(withSignatures(data, new Map([["abcdef", "h..s"]])), { kubeconfig: "k", other: "kept", "jws-kubeconfig-abcdef": "h..s" });
  assert.deepEqual(withSignatures(data, new Map()), { kubeconfig: "k", other: "kept" });
});
