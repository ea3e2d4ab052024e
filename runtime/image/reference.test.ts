import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { canonicalReference, familiarReference, normalizeReference, parseReference, registryApiHost } from "./reference";
import { ImageError } from "./types";

const hex = "a".repeat(64);

describe("parseReference", () => {
  const cases: [string, string, string][] = [
    // input, canonical, familiar
    ["busybox", "docker.io/library/busybox:latest", "busybox:latest"],
    ["busybox:1.36", "docker.io/library/busybox:1.36", "busybox:1.36"],
    ["user/app:1", "docker.io/user/app:1", "user/app:1"],
    ["library/busybox", "docker.io/library/busybox:latest", "busybox:latest"],
    ["docker.io/busybox", "docker.io/library/busybox:latest", "busybox:latest"],
    ["index.docker.io/library/busybox:1", "docker.io/library/busybox:1", "busybox:1"],
    ["127.0.0.1:5000/team/app:v2", "127.0.0.1:5000/team/app:v2", "127.0.0.1:5000/team/app:v2"],
    ["registry.example.com/a/b/c", "registry.example.com/a/b/c:latest", "registry.example.com/a/b/c:latest"],
    ["localhost/x", "localhost/x:latest", "localhost/x:latest"],
    ["localhost:5000/x:tag", "localhost:5000/x:tag", "localhost:5000/x:tag"],
    ["[::1]:5000/x", "[::1]:5000/x:latest", "[::1]:5000/x:latest"],
    [`app@sha256:${hex}`, `docker.io/library/app@sha256:${hex}`, `app@sha256:${hex}`],
    [`app:1@sha256:${hex}`, `docker.io/library/app:1@sha256:${hex}`, `app:1@sha256:${hex}`],
    ["a__b/c-d.e_f:T_a.g-1", "docker.io/a__b/c-d.e_f:T_a.g-1", "a__b/c-d.e_f:T_a.g-1"],
    ["docker.io/library/sub/x", "docker.io/library/sub/x:latest", "library/sub/x:latest"],
  ];
  for (const [input, canonical, familiar] of cases) {
    it(`${input} -> ${canonical}`, () => {
      const ref = parseReference(input);
      assert.equal(canonicalReference(ref), canonical);
      assert.equal(familiarReference(ref), familiar);
      assert.equal(normalizeReference(canonical), canonical, "canonical form is a fixed point");
    });
  }

  it("splits registry, repository, tag and digest", () => {
    assert.deepEqual(parseReference(`localhost:5000/a/b:t@sha256:${hex}`), {
      registry: "localhost:5000",
      repository: "a/b",
      tag: "t",
      digest: `sha256:${hex}`,
    });
    assert.deepEqual(parseReference(`x@sha256:${hex}`), { registry: "docker.io", repository: "library/x", digest: `sha256:${hex}` });
  });

  it("treats a first component as a host only with '.', ':', localhost or upper case", () => {
    assert.equal(parseReference("user/app").registry, "docker.io");
    assert.equal(parseReference("my.host/app").registry, "my.host");
    assert.equal(parseReference("host:1/app").registry, "host:1");
    assert.equal(parseReference("localhost/app").registry, "localhost");
    assert.equal(parseReference("Upper/app").registry, "Upper");
  });

  const bad: [string, RegExp, string?][] = [
    ["", /empty/],
    ["Busybox", /must be lowercase/],
    ["docker.io/Library/x", /must be lowercase/],
    ["a b", /whitespace/],
    ["app:", /tag ""/],
    ["app:-x", /tag "-x"/],
    [`app:${"t".repeat(129)}`, /tag/],
    ["app@sha256:abc", /64 lowercase hex/],
    [`app@sha256:${"A".repeat(64)}`, /64 lowercase hex/],
    ["app@nodigest", /malformed digest/],
    [`app@sha512:${"a".repeat(128)}`, /sha512 is not supported/, "Unsupported"],
    ["host:99999/app", /out of range/],
    ["host:5000/", /missing repository/],
    ["a//b", /path component ""/],
    ["a/-b", /path component "-b"/],
    ["a/b_", /path component "b_"/],
    ["a/b...c", /path component/],
    [`r.io/${"a".repeat(260)}`, /longer than 255/],
    ["-host.io/app", /not a valid host/],
  ];
  for (const [input, message, code = "InvalidReference"] of bad) {
    it(`rejects ${JSON.stringify(input.slice(0, 40))}`, () => {
      assert.throws(
        () => parseReference(input),
        (err: unknown) => err instanceof ImageError && err.code === code && message.test(err.message),
      );
    });
  }

  it("names the input in the error", () => {
    assert.throws(() => parseReference("Bad/Name:x"), /"Bad\/Name:x"/);
  });

  it("talks to Docker Hub through its API host", () => {
    assert.equal(registryApiHost("docker.io"), "registry-1.docker.io");
    assert.equal(registryApiHost("127.0.0.1:5000"), "127.0.0.1:5000");
  });
});
