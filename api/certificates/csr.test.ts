import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createKeyAndCsr } from "./csr-build";
import { csrSignatureValid, kubeletClientProblem, kubeletServingProblem, parseCsrRequest } from "./csr";

const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64");

test("a request built here reads back with its subject and SANs, and OpenSSL agrees", async () => {
  const { csrPem, keyPem } = await createKeyAndCsr({ commonName: "system:node:node-a", organizations: ["system:nodes"], dnsNames: ["node-a"], ipAddresses: ["10.0.0.5"] });
  const parsed = parseCsrRequest(b64(csrPem));
  assert.equal(parsed.commonName, "system:node:node-a");
  assert.deepEqual(parsed.organizations, ["system:nodes"]);
  assert.deepEqual(parsed.dnsNames, ["node-a"]);
  assert.deepEqual(parsed.ipAddresses, ["10.0.0.5"]);
  assert.equal(await csrSignatureValid(parsed), true);
  assert.match(keyPem, /BEGIN PRIVATE KEY/);
  // An independent reader: openssl verifies the self-signature and prints the subject.
  const dir = mkdtempSync(join(tmpdir(), "gantry-csr-"));
  try {
    const out = execFileSync("sh", ["-c", `cat > ${join(dir, "r.csr")} && openssl req -in ${join(dir, "r.csr")} -verify -noout -subject 2>&1`], { input: csrPem }).toString();
    assert.match(out, /verify OK|Certificate request self-signature verify OK/);
    assert.match(out, /O ?= ?system:nodes, CN ?= ?system:node:node-a/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a request made by openssl parses too (RSA, no SANs)", () => {
  const dir = mkdtempSync(join(tmpdir(), "gantry-csr-"));
  try {
    execFileSync("openssl", ["req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", join(dir, "k"), "-out", join(dir, "r"), "-subj", "/O=system:nodes/CN=system:node:x"], { stdio: "ignore" });
    const parsed = parseCsrRequest(b64(readFileSync(join(dir, "r"), "utf8")));
    assert.equal(parsed.commonName, "system:node:x");
    assert.equal(kubeletClientProblem(parsed, ["digital signature", "key encipherment", "client auth"]), undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a tampered request fails the signature check", async () => {
  const { csrPem } = await createKeyAndCsr({ commonName: "system:node:node-a", organizations: ["system:nodes"] });
  const der = Buffer.from(csrPem.replace(/-----[^-]+-----/g, "").replace(/\s+/g, ""), "base64");
  // Flip a byte inside the subject's CN ("node-a" → "node-b").
  const at = der.indexOf(Buffer.from("node-a"));
  der[at + 5] = "b".charCodeAt(0);
  const pem = `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString("base64")}\n-----END CERTIFICATE REQUEST-----\n`;
  const parsed = parseCsrRequest(b64(pem));
  assert.equal(parsed.commonName, "system:node:node-b");
  assert.equal(await csrSignatureValid(parsed), false);
});

test("not a request: Kubernetes' wording", () => {
  assert.throws(() => parseCsrRequest(b64("hello")), /PEM block type must be CERTIFICATE REQUEST/);
  assert.throws(() => parseCsrRequest(b64("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")), /PEM block type must be CERTIFICATE REQUEST/);
  assert.throws(() => parseCsrRequest(b64("-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n")), /structure error/);
});

test("kubelet client requests: O=system:nodes only, CN system:node:*, no SANs, client usages", async () => {
  const ok = parseCsrRequest(b64((await createKeyAndCsr({ commonName: "system:node:a", organizations: ["system:nodes"] })).csrPem));
  const usages = ["digital signature", "client auth"];
  assert.equal(kubeletClientProblem(ok, usages), undefined);
  assert.equal(kubeletClientProblem(ok, ["digital signature", "key encipherment", "client auth"]), undefined);
  assert.match(kubeletClientProblem(ok, ["digital signature", "server auth"]) ?? "", /usages did not match/);
  const masters = parseCsrRequest(b64((await createKeyAndCsr({ commonName: "system:node:a", organizations: ["system:nodes", "system:masters"] })).csrPem));
  assert.equal(kubeletClientProblem(masters, usages), "subject organization is not system:nodes");
  const admin = parseCsrRequest(b64((await createKeyAndCsr({ commonName: "kubernetes-admin", organizations: ["system:nodes"] })).csrPem));
  assert.equal(kubeletClientProblem(admin, usages), "subject common name does not begin with system:node:");
  const withIp = parseCsrRequest(b64((await createKeyAndCsr({ commonName: "system:node:a", organizations: ["system:nodes"], ipAddresses: ["10.0.0.1"] })).csrPem));
  assert.equal(kubeletClientProblem(withIp, usages), "IP subjectAltNames are not allowed");
});

test("kubelet serving requests: need a DNS or IP SAN and server usages", async () => {
  const usages = ["digital signature", "server auth"];
  const ok = parseCsrRequest(b64((await createKeyAndCsr({ commonName: "system:node:a", organizations: ["system:nodes"], ipAddresses: ["10.0.0.1"], dnsNames: ["a"] })).csrPem));
  assert.equal(kubeletServingProblem(ok, usages), undefined);
  const bare = parseCsrRequest(b64((await createKeyAndCsr({ commonName: "system:node:a", organizations: ["system:nodes"] })).csrPem));
  assert.equal(kubeletServingProblem(bare, usages), "DNS or IP subjectAltName is required");
  assert.match(kubeletServingProblem(ok, ["digital signature", "client auth"]) ?? "", /usages did not match/);
});
