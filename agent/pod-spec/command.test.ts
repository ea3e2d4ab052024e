import { test } from "node:test";
import assert from "node:assert/strict";
import { resolveArgv } from "./command";

const image = { Entrypoint: ["/entry"], Cmd: ["--default"] };
const vars = new Map([["PORT", "8080"]]);

const cases: Array<{ name: string; command?: string[]; args?: string[]; want: string[] }> = [
  { name: "neither: Entrypoint + Cmd", want: ["/entry", "--default"] },
  { name: "command only: replaces Entrypoint and drops Cmd", command: ["/bin/sh"], want: ["/bin/sh"] },
  { name: "args only: Entrypoint + args", args: ["--port=$(PORT)"], want: ["/entry", "--port=8080"] },
  { name: "both: command + args", command: ["/bin/app"], args: ["a", "$(NOPE)"], want: ["/bin/app", "a", "$(NOPE)"] },
];
for (const c of cases) {
  test(`argv: ${c.name}`, () => assert.deepEqual(resolveArgv({ name: "c", command: c.command, args: c.args }, image, vars), c.want));
}

test("an image with neither Entrypoint nor Cmd and no command is CreateContainerError", () => {
  assert.throws(() => resolveArgv({ name: "c", args: [] }, {}, vars), { name: "ConfigError", reason: "CreateContainerError" });
  assert.deepEqual(resolveArgv({ name: "c", args: ["x"] }, { Entrypoint: null, Cmd: ["y"] }, vars), ["x"]);
});
