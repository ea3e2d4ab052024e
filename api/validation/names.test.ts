import { test } from "node:test";
import assert from "node:assert/strict";
import {
  isConfigMapKey,
  isDNS1035Label,
  isDNS1123Label,
  isDNS1123Subdomain,
  isValidPathSegmentName,
  isValidPortName,
  nameIsDNSSubdomain,
  regexError,
} from "./names";

test("DNS-1123 labels and subdomains", () => {
  assert.deepEqual(isDNS1123Label("my-name"), []);
  assert.deepEqual(isDNS1123Label("a.b"), ["must not contain dots"]);
  assert.equal(isDNS1123Label("a".repeat(64))[0], "must be no more than 63 characters");
  assert.deepEqual(isDNS1123Subdomain("example.com"), []);
  assert.equal(isDNS1123Subdomain("-x").length, 1);
  assert.equal(isDNS1123Subdomain(`${"a".repeat(250)}.com`)[0], "must be no more than 253 characters");
});

test("DNS-1035 labels must start with a letter (Service names)", () => {
  assert.deepEqual(isDNS1035Label("web"), []);
  assert.match(isDNS1035Label("1web")[0], /^a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character/);
});

test("regex errors quote examples the way Go builds them", () => {
  assert.equal(regexError("m", "f"), "m (regex used for validation is 'f')");
  assert.equal(regexError("m", "f", "a"), "m (e.g. 'a', regex used for validation is 'f')");
  assert.equal(regexError("m", "f", "a", "b"), "m (e.g. 'a',  or 'b', regex used for validation is 'f')");
});

test("config keys, port names and path segments", () => {
  assert.deepEqual(isConfigMapKey("app.properties"), []);
  assert.deepEqual(isConfigMapKey(".."), ["must not be '..'"]);
  assert.equal(isConfigMapKey("a/b").length, 1);
  assert.deepEqual(isValidPortName("http"), []);
  assert.deepEqual(isValidPortName("8080"), ["must contain at least one letter (a-z)"]);
  assert.deepEqual(isValidPortName("a--b"), ["must not contain consecutive hyphens"]);
  assert.deepEqual(isValidPathSegmentName("a/b"), ["may not contain '/'"]);
  assert.deepEqual(isValidPathSegmentName(".."), ["may not be '..'"]);
});

test("a generateName may end in a dash", () => {
  assert.deepEqual(nameIsDNSSubdomain("web-", true), []);
  assert.equal(nameIsDNSSubdomain("web-", false).length, 1);
});
