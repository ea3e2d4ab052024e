import { test } from "node:test";
import assert from "node:assert/strict";
import { signDetached, verifyDetached } from "./jws";

// kubeadm's own test vector (its jws package): the same inputs must give the same bytes.
const content = "Hello from the other side. I must have called a thousand times.";
const joshua = { id: "joshua", secret: "my voice is my passcode" };
const KUBEADM_SIGNATURE = "eyJhbGciOiJIUzI1NiIsImtpZCI6Impvc2h1YSJ9..VShe2taLd-YTrmWuRkcL_8QTNDHYxQIEBsAYYiIj1_8";

test("signDetached makes kubeadm's detached JWS, byte for byte", async () => {
  assert.equal(await signDetached(content, joshua), KUBEADM_SIGNATURE);
  assert.equal(await signDetached("", joshua), "eyJhbGciOiJIUzI1NiIsImtpZCI6Impvc2h1YSJ9..7Ui1ALizW4jXphVUB7xUqC9vLYLL9RZeOFfVLoB7Tgk");
});

test("verifyDetached accepts the right token and content only", async () => {
  assert.equal(await verifyDetached(KUBEADM_SIGNATURE, content, joshua), true);
  assert.equal(await verifyDetached(KUBEADM_SIGNATURE, content + " ", joshua), false, "changed content");
  assert.equal(await verifyDetached(KUBEADM_SIGNATURE, content, { ...joshua, secret: "my voice is not my passcode" }), false, "wrong secret");
  assert.equal(await verifyDetached(KUBEADM_SIGNATURE, content, { ...joshua, id: "joshub" }), false, "kid names another token");
  const token = { id: "abcdef", secret: "0123456789abcdef" };
  const sig = await signDetached("kubeconfig text", token);
  assert.equal(await verifyDetached(sig, "kubeconfig text", token), true);
  for (const bad of ["", "a.b.c", sig.replace("..", ".eA."), `${sig}.x`, "not a jws"]) {
    assert.equal(await verifyDetached(bad, "kubeconfig text", token), false, bad);
  }
});

test("verifyDetached refuses alg none and other algorithms", async () => {
  const b64 = (s: string) => Buffer.from(s).toString("base64url");
  const none = `${b64(JSON.stringify({ alg: "none", kid: "abcdef" }))}..`;
  assert.equal(await verifyDetached(none, "x", { id: "abcdef", secret: "0123456789abcdef" }), false);
});
