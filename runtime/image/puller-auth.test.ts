// Registry authentication end to end: a real docker-registry configured for token auth,
// whose tokens come from a token-service test double, and Basic auth against the
// misbehaving-registry double (Debian's registry needs bcrypt htpasswd files for Basic).

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { pushTestImages, TestRepos, type TestImageSet } from "../../test/images/build";
import { startFakeRegistry, type FakeRegistry } from "../../test/images/fake-registry";
import { startRegistry, type TestRegistry } from "../../test/images/registry";
import { assertNothingPartial, tempStore } from "../../test/images/store-check";
import { startTokenServer, type TokenServer } from "../../test/images/token-server";
import { pullImage } from "./puller";
import type { LocalImageStore } from "./store";
import { ImageError } from "./types";

describe("pullImage with registry authentication", () => {
  let open: TestRegistry;
  let guarded: TestRegistry;
  let tokens: TokenServer;
  let fake: FakeRegistry;
  let images: TestImageSet;
  let store: LocalImageStore;
  let removeStore: () => Promise<void>;

  before(async () => {
    open = await startRegistry();
    images = await pushTestImages(open.url);
    tokens = await startTokenServer();
    // Same storage, now behind token auth.
    guarded = await startRegistry({
      storageDir: open.storageDir,
      tokenAuth: { realm: tokens.realm, service: tokens.service, issuer: tokens.issuer, rootCertBundle: tokens.certFile },
    });
    fake = await startFakeRegistry({ basicAuth: { username: "alice", password: "s3cret" } });
    fake.addImage("private/busybox", "latest", images.busybox);
    ({ store, remove: removeStore } = await tempStore());
  });
  after(async () => {
    await guarded?.stop();
    await open?.stop();
    await tokens?.stop();
    await fake?.stop();
    await removeStore?.();
  });

  it("the guarded registry really demands a token", async () => {
    const res = await fetch(`${guarded.url}/v2/${TestRepos.busybox}/manifests/latest`);
    await res.arrayBuffer();
    assert.equal(res.status, 401);
    assert.match(res.headers.get("www-authenticate") ?? "", /^Bearer realm=".*\/token",service="gantry-test-registry",scope="repository:gantry-test\/busybox:pull"/);
  });

  it("gets an anonymous Bearer token for the pull scope", async () => {
    tokens.setUsers(undefined);
    tokens.requests.length = 0;
    const record = await pullImage(`${guarded.host}/${TestRepos.busybox}:latest`, { store });
    assert.equal(record.digest, images.busybox.digest);
    assert.ok(tokens.requests.length >= 1);
    for (const r of tokens.requests) {
      assert.deepEqual(r, { service: "gantry-test-registry", scope: "repository:gantry-test/busybox:pull" });
    }
  });

  it("sends Basic credentials to the token service when configured", async () => {
    tokens.setUsers({ bob: "hunter2" });
    tokens.requests.length = 0;
    const image = `${guarded.host}/${TestRepos.httpd}:latest`;
    const record = await pullImage(image, { store, auth: { [guarded.host]: { username: "bob", password: "hunter2" } } });
    assert.equal(record.digest, images.httpd.digest);
    assert.ok(tokens.requests.length >= 1);
    assert.ok(tokens.requests.every((r) => r.user === "bob"));
  });

  it("reports Unauthorized, naming the registry, when the token service refuses", async () => {
    tokens.setUsers({ bob: "hunter2" });
    const image = `${guarded.host}/${TestRepos.fail}:latest`;
    for (const auth of [undefined, { [guarded.host]: { username: "bob", password: "wrong" } }]) {
      await assert.rejects(pullImage(image, { store, auth }), (err: unknown) => {
        assert.ok(err instanceof ImageError);
        assert.equal(err.code, "Unauthorized");
        assert.equal(err.registry, guarded.host);
        assert.ok(err.message.includes(image), err.message);
        assert.match(err.message, auth ? /refused user "bob"/ : /refused anonymous access/);
        return true;
      });
    }
    await assertNothingPartial(store, image);
  });

  it("answers a Basic challenge with the configured credentials", async () => {
    const image = `${fake.host}/private/busybox:latest`;
    await assert.rejects(pullImage(image, { store }), { code: "Unauthorized", message: /requires a username and password/ });
    await assert.rejects(pullImage(image, { store, auth: { [fake.host]: { username: "alice", password: "nope" } } }), {
      code: "Unauthorized",
      message: /HTTP 401: UNAUTHORIZED: authentication required/,
    });
    const record = await pullImage(image, { store, auth: () => ({ username: "alice", password: "s3cret" }) });
    assert.equal(record.digest, images.busybox.digest);
  });
});
