import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseChallenge, RegistryAuthenticator } from "./registry-auth";
import { ImageError } from "./types";

describe("parseChallenge", () => {
  it("parses a Docker Bearer challenge", () => {
    assert.deepEqual(parseChallenge('Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull,push"'), {
      scheme: "bearer",
      params: { realm: "https://auth.example/token", service: "registry.example", scope: "repository:a/b:pull,push" },
    });
  });
  it("handles Basic, unquoted values, spaces and escapes", () => {
    assert.deepEqual(parseChallenge('Basic realm="say \\"hi\\"" , charset=UTF-8'), { scheme: "basic", params: { realm: 'say "hi"', charset: "UTF-8" } });
    assert.equal(parseChallenge(undefined), undefined);
    assert.equal(parseChallenge(""), undefined);
  });
});

describe("RegistryAuthenticator", () => {
  const ctx = { registry: "r.example" };
  function make(body: string, status = 200, now = () => 1_000_000) {
    const calls: { url: string; authorization?: string }[] = [];
    const auth = new RegistryAuthenticator(
      { "r.example": { username: "u", password: "p" } },
      async (url, authorization) => {
        calls.push({ url: url.href, ...(authorization ? { authorization } : {}) });
        return { status, body };
      },
      (host) => host.startsWith("127.0.0.1"),
      now,
    );
    return { auth, calls };
  }

  it("fetches a token with Basic credentials and caches it until it expires", async () => {
    let now = 1_000_000;
    const { auth, calls } = make(JSON.stringify({ access_token: "tok", expires_in: 60 }), 200, () => now);
    await auth.answer("r.example", "repository:x:pull", 'Bearer realm="https://auth.example/token",service="svc"', ctx);
    assert.equal(calls.length, 1);
    const url = new URL(calls[0].url);
    assert.equal(url.searchParams.get("service"), "svc");
    assert.equal(url.searchParams.get("scope"), "repository:x:pull");
    assert.equal(calls[0].authorization, `Basic ${Buffer.from("u:p").toString("base64")}`);
    assert.equal(auth.header("r.example", "repository:x:pull"), "Bearer tok");
    assert.equal(auth.header("r.example", "repository:other:pull"), undefined);
    now += 51_000;
    assert.equal(auth.header("r.example", "repository:x:pull"), undefined, "expired 10 s early");
  });

  it("refuses a plain-HTTP realm unless its host is insecure", async () => {
    const { auth, calls } = make(JSON.stringify({ token: "t" }));
    await assert.rejects(auth.answer("r.example", "s", 'Bearer realm="http://auth.example/token"', ctx), { code: "Unauthorized", message: /refusing token realm/ });
    assert.equal(calls.length, 0);
    await auth.answer("r.example", "s", 'Bearer realm="http://127.0.0.1:1/token"', ctx);
    assert.equal(calls.length, 1);
  });

  it("turns refusals and junk into Unauthorized", async () => {
    for (const [body, status, message] of [
      ["denied", 401, /refused user "u" for s \(HTTP 401\): denied/],
      ["not json", 200, /not JSON/],
      ["{}", 200, /no token/],
    ] as const) {
      const { auth } = make(body, status);
      await assert.rejects(auth.answer("r.example", "s", 'Bearer realm="https://a/t"', ctx), (err: unknown) => {
        assert.ok(err instanceof ImageError);
        assert.equal(err.code, "Unauthorized");
        assert.match(err.message, message);
        assert.equal(err.registry, "r.example");
        return true;
      });
    }
    const { auth } = make("{}");
    await assert.rejects(auth.answer("r.example", "s", "Negotiate abc", ctx), { code: "Unauthorized", message: /unusable challenge/ });
  });
});
