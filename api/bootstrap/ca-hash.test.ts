import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash, generateKeyPairSync, X509Certificate } from "node:crypto";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { caCertHash, parseCaHash } from "./ca-hash";

test("caCertHash is sha256 over the DER SubjectPublicKeyInfo, as openssl computes it", () => {
  // Independent reference: openssl makes the certificate and hashes its public key itself.
  const dir = mkdtempSync(join(tmpdir(), "gantry-cahash-"));
  try {
    execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", join(dir, "k.pem"), "-out", join(dir, "c.pem"), "-subj", "/CN=test-ca", "-days", "1"], { stdio: "ignore" });
    const spkiDer = execFileSync("sh", ["-c", `openssl x509 -in ${join(dir, "c.pem")} -pubkey -noout | openssl pkey -pubin -outform DER`]);
    const expected = `sha256:${createHash("sha256").update(spkiDer).digest("hex")}`;
    const pem = readFileSync(join(dir, "c.pem"), "utf8");
    assert.equal(caCertHash(pem), expected);
    // Not the certificate fingerprint: the pin is of the key.
    assert.notEqual(caCertHash(pem).slice(7), new X509Certificate(pem).fingerprint256.replace(/:/g, "").toLowerCase());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("two CAs with different keys have different hashes", () => {
  const a = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const b = generateKeyPairSync("ec", { namedCurve: "P-256" });
  assert.notDeepEqual(a.publicKey.export({ type: "spki", format: "der" }), b.publicKey.export({ type: "spki", format: "der" }));
});

test("parseCaHash accepts sha256:<64 hex> (any case) and refuses the rest", () => {
  const h = `sha256:${"A".repeat(64)}`;
  assert.equal(parseCaHash(h), h.toLowerCase());
  for (const bad of ["sha256:abc", "md5:" + "a".repeat(64), "a".repeat(64), `sha256:${"g".repeat(64)}`]) assert.throws(() => parseCaHash(bad), /not a CA hash/);
});
