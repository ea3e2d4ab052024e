// Golden files for the proxy's unit tests: netns/proxy/testdata/<name>. The tests compare the
// generated nft script with the file; GANTRY_UPDATE_GOLDEN=1 rewrites the files instead
// (review the diff before committing it: the file is the specification).

import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

// dist/netns/proxy/testing -> netns/proxy/testdata in the source tree.
const DIR = path.resolve(__dirname, "../../../../netns/proxy/testdata");

export function assertGolden(name: string, actual: string): void {
  const file = path.join(DIR, name);
  if (process.env.GANTRY_UPDATE_GOLDEN === "1") {
    writeFileSync(file, actual);
    return;
  }
  assert.equal(actual, readFileSync(file, "utf8"), `${file} differs (GANTRY_UPDATE_GOLDEN=1 rewrites it)`);
}
