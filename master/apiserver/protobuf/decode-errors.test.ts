// What a client hears when its protobuf body cannot be decoded, and the unknown-field guard.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ApiError } from "../../../api/errors";
import { decodeKubernetesProtobuf } from "./decode";
import { body, bytes, encode, msg, str, varint } from "./testing/wire";

function rejects(b: Uint8Array, code: number, message: RegExp): void {
  assert.throws(
    () => decodeKubernetesProtobuf(b),
    (err: unknown) => {
      assert.ok(err instanceof ApiError, `expected an ApiError, got ${String(err)}`);
      assert.equal(err.code, code);
      assert.match(err.message, message);
      return true;
    },
  );
}

const magic = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

describe("the envelope", () => {
  it("needs the magic bytes", () => {
    rejects(Buffer.from('{"kind":"Pod"}'), 400, /must start with the bytes 6b 38 73 00/);
    rejects(Buffer.from([0x6b, 0x38]), 400, /must start with the bytes/);
  });

  it("needs apiVersion and kind", () => {
    rejects(Buffer.concat([magic, encode(msg(1, str(1, "v1")), bytes(2, new Uint8Array()))]), 400, /does not name the object's apiVersion and kind/);
  });

  it("rejects garbage after the magic", () => {
    rejects(Buffer.concat([magic, Buffer.from([0x0a, 0xff, 0xff, 0xff])]), 400, /malformed/);
  });

  it("refuses an encoded raw object with 415", () => {
    const b = Buffer.concat([magic, encode(msg(1, str(1, "v1"), str(2, "Namespace")), bytes(2, new Uint8Array([1])), str(3, "gzip"))]);
    rejects(b, 415, /Namespace \(v1\) uses content encoding "gzip"/);
  });

  it("accepts JSON wrapped in the envelope", () => {
    const raw = Buffer.from('{"metadata":{"name":"blue"}}');
    const b = Buffer.concat([magic, encode(msg(1, str(1, "v1"), str(2, "Namespace")), bytes(2, raw), str(3, ""), str(4, "application/json"))]);
    assert.deepEqual(decodeKubernetesProtobuf(b).object, { kind: "Namespace", apiVersion: "v1", metadata: { name: "blue" } });
  });
});

describe("kinds", () => {
  it("refuses a kind without a schema with 415, naming it and the way out", () => {
    rejects(body("storage.k8s.io/v1", "StorageClass", msg(1, str(1, "fast"))), 415, /cannot decode StorageClass \(storage\.k8s\.io\/v1\) from protobuf.*send it as JSON/);
  });

  it("refuses a known kind under a version Gantry does not decode", () => {
    rejects(body("autoscaling/v2", "HorizontalPodAutoscaler", msg(1, str(1, "web"))), 415, /cannot decode HorizontalPodAutoscaler \(autoscaling\/v2\)/);
  });
});

describe("fields the schema lacks", () => {
  it("rejects a set field, naming where it is", () => {
    // VolumeSource field 3 is gcePersistentDisk, a deprecated plugin Gantry does not model.
    const pod = body("v1", "Pod", msg(1, str(1, "p")), msg(2, msg(1, str(1, "disk"), msg(2, msg(3, str(1, "pd-1"))))));
    rejects(pod, 400, /Pod sets fields Gantry does not decode \(spec\.volumes\[0\]: field 3 of k8s\.io\.api\.core\.v1\.VolumeSource\)/);
  });

  it("names the element of a repeated field", () => {
    const containers = [msg(2, str(1, "a")), msg(2, str(1, "b"), varint(99, 7))];
    rejects(body("v1", "Pod", msg(1, str(1, "p")), msg(2, ...containers)), 400, /spec\.containers\[1\]: field 99 of k8s\.io\.api\.core\.v1\.Container/);
  });

  it("ignores fields a newer Go client writes empty", () => {
    // A value field added in a later Kubernetes: "", 0 or an empty struct on the wire.
    const pod = body("v1", "Pod", msg(1, str(1, "p"), str(40, "")), msg(2, varint(90, 0), msg(91, str(1, ""), varint(2, 0)), msg(2, str(1, "a"))));
    assert.deepEqual(decodeKubernetesProtobuf(pod).object, { kind: "Pod", apiVersion: "v1", metadata: { name: "p" }, spec: { containers: [{ name: "a" }] } });
  });

  it("ignores unknown fields under status, which the server resets on create", () => {
    const pod = body("v1", "Pod", msg(1, str(1, "p")), msg(3, str(1, "Running"), msg(15, str(1, "claim"))));
    assert.deepEqual(decodeKubernetesProtobuf(pod).object, { kind: "Pod", apiVersion: "v1", metadata: { name: "p" }, status: { phase: "Running" } });
  });

  it("survives an unknown field nested a thousand levels deep", () => {
    let inner = encode(str(1, "x"));
    for (let i = 0; i < 1000; i++) inner = encode(bytes(1, inner));
    rejects(body("v1", "Namespace", msg(1, str(1, "a"), bytes(40, inner))), 400, /metadata: field 40 of k8s\.io\.apimachinery\.pkg\.apis\.meta\.v1\.ObjectMeta/);
  });
});
