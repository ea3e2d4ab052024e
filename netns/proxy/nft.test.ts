import assert from "node:assert/strict";
import { test } from "node:test";
import { explainNftFailure } from "./nft";
import { parseIpAddrJson } from "./node-addresses";

test("an nft failure names the script line it refused", () => {
  const script = "add table ip gantry\nadd rule ip gantry nope counter\n";
  const err = explainNftFailure(script, "/dev/stdin:2:20-23: Error: No such file or directory; did you mean chain 'x'?\nadd rule ip gantry nope counter\n                   ^^^^\n");
  assert.equal(err.line, 2);
  assert.equal(err.message, "nft refused line 2: No such file or directory; did you mean chain 'x'?: add rule ip gantry nope counter");
  assert.match(explainNftFailure(script, "Error: Could not process rule: Operation not permitted\n").message, /Operation not permitted/);
});

test("node addresses come from every interface", () => {
  const json = '[{"ifname":"lo","addr_info":[{"family":"inet","local":"127.0.0.1"}]},{"ifname":"eth0","addr_info":[{"family":"inet","local":"192.168.0.10"},{"family":"inet","local":"10.0.0.5"}]}]';
  assert.deepEqual(parseIpAddrJson(json), ["10.0.0.5", "127.0.0.1", "192.168.0.10"]);
});
