import assert from "node:assert/strict";
import { test } from "node:test";
import { ApiError } from "../../api/errors";
import { parseBoolParam } from "./query-params";

const parse = (s: string) => parseBoolParam(new URLSearchParams(s), "watch");

test("Go's strconv.ParseBool spellings; a bare parameter is true, an absent one false", () => {
  for (const v of ["1", "t", "T", "TRUE", "true", "True"]) assert.equal(parse(`watch=${v}`), true, v);
  for (const v of ["0", "f", "F", "FALSE", "false", "False"]) assert.equal(parse(`watch=${v}`), false, v);
  assert.equal(parse("watch"), true);
  assert.equal(parse(""), false);
});

test("anything else is a 400 naming the parameter", () => {
  for (const v of ["yes", "tRUE", "2", "on"]) {
    assert.throws(
      () => parse(`watch=${v}`),
      (e: unknown) => e instanceof ApiError && e.code === 400 && e.message === `invalid value for watch: strconv.ParseBool: parsing ${JSON.stringify(v)}: invalid syntax`,
    );
  }
});
