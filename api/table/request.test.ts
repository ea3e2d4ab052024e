import assert from "node:assert/strict";
import { test } from "node:test";
import { ApiError } from "../errors";
import { parseIncludeObject, tableVersion, wantsTable } from "./request";

const KUBECTL_132 = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";

test("kubectl get's Accept header asks for a v1 Table", () => {
  assert.equal(wantsTable(KUBECTL_132), true);
  assert.equal(tableVersion(KUBECTL_132), "v1");
});

test("v1beta1 is served when it is the only Table version offered", () => {
  assert.equal(tableVersion("application/json;as=Table;v=v1beta1;g=meta.k8s.io, application/json"), "v1beta1");
});

test("plain requests are not tables", () => {
  for (const accept of [
    "",
    "application/json",
    "application/vnd.kubernetes.protobuf,application/json",
    "application/vnd.kubernetes.protobuf, */*",
    "*/*",
  ]) {
    assert.equal(wantsTable(accept), false, accept);
  }
  assert.equal(wantsTable(undefined), false);
});

test("ranges a Table cannot be served for are skipped, so the next range decides", () => {
  // Unknown version, missing group, protobuf encoding: none of these can be a Table.
  assert.equal(wantsTable("application/json;as=Table;v=v1alpha1;g=meta.k8s.io"), false);
  assert.equal(wantsTable("application/json;as=Table;v=v1"), false);
  assert.equal(wantsTable("application/vnd.kubernetes.protobuf;as=Table;v=v1;g=meta.k8s.io"), false);
  assert.equal(wantsTable("application/json;as=Table;v=v1alpha1;g=meta.k8s.io,application/json;as=Table;v=v1;g=meta.k8s.io"), true);
  assert.equal(wantsTable("text/html,application/yaml;as=Table;v=v1;g=meta.k8s.io"), true);
  assert.equal(wantsTable("*/*;as=Table;v=v1;g=meta.k8s.io"), true);
});

test("q-values and wildcards order the ranges before the first servable one wins", () => {
  assert.equal(wantsTable("application/json;q=0.5,application/json;as=Table;v=v1;g=meta.k8s.io"), true);
  assert.equal(wantsTable("application/json;as=Table;v=v1;g=meta.k8s.io;q=0.9,application/json"), false);
  assert.equal(wantsTable("*/*,application/json;as=Table;v=v1;g=meta.k8s.io"), true);
  // Metadata-only lists are a different answer: a client asking for them first gets no Table.
  assert.equal(wantsTable("application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1;g=meta.k8s.io"), false);
});

test("includeObject defaults to Metadata and rejects unknown values with 400", () => {
  assert.equal(parseIncludeObject(new URLSearchParams("")), "Metadata");
  assert.equal(parseIncludeObject(new URLSearchParams("includeObject=")), "Metadata");
  assert.equal(parseIncludeObject(new URLSearchParams("includeObject=None")), "None");
  assert.equal(parseIncludeObject(new URLSearchParams("includeObject=Object&includeObject=None")), "Object");
  assert.equal(parseIncludeObject({ includeObject: ["Metadata"] }), "Metadata");
  assert.equal(parseIncludeObject({}), "Metadata");
  assert.throws(
    () => parseIncludeObject(new URLSearchParams("includeObject=object")),
    (err: unknown) => err instanceof ApiError && err.code === 400 && err.message === 'unrecognized includeObject value: "object"',
  );
});
