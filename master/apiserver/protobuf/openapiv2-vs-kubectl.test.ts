// Checks schema/openapiv2.proto against the gnostic `openapiv2/OpenAPIv2.proto` descriptor
// compiled into real kubectls: every field we declare has their number, name, cardinality and
// type. kubectl 1.32 embeds the descriptor uncompressed, kubectl 1.20 (Debian's
// kubernetes-client, see test/helpers/old-kubectl.ts) gzipped.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as protobuf from "protobufjs";
import { openApiV2DocumentType } from "../openapi/swagger-protobuf";
import { KUBECTL_1_20 } from "../../../test/helpers/old-kubectl";
import { KUBECTL } from "./testing/kubectl";
import { type MessageIndex, findExecutable, readKubectlDescriptors, readRawDescriptor } from "./testing/kubectl-descriptors";

const SCALARS: Record<string, number> = { int64: 3, bool: 8, string: 9, double: 1 };

function problemsAgainst(upstream: MessageIndex): { problems: string[]; checked: number } {
  const root = openApiV2DocumentType().root;
  const ours = (root.lookup("openapi.v2") as protobuf.Namespace).nestedArray.filter((n): n is protobuf.Type => n instanceof protobuf.Type);
  const problems: string[] = [];
  let checked = 0;
  for (const type of ours) {
    const theirs = upstream.get(type.fullName);
    if (!theirs) {
      problems.push(`${type.fullName}: kubectl has no such message`);
      continue;
    }
    for (const field of type.fieldsArray) {
      checked++;
      const where = `${type.fullName}.${field.name} = ${field.id}`;
      const them = theirs.field?.find((f) => f.number === field.id);
      if (!them) {
        problems.push(`${where}: kubectl has no field ${field.id}`);
        continue;
      }
      if (them.name !== field.name) problems.push(`${where}: kubectl calls it "${them.name}"`);
      if (field.repeated !== (them.label === 3)) problems.push(`${where}: repeated ${field.repeated}, kubectl ${them.label === 3}`);
      const mine = field.resolvedType instanceof protobuf.Type ? field.resolvedType.fullName : `scalar ${SCALARS[field.type] ?? field.type}`;
      const theirType = them.type === 11 ? String(them.typeName) : `scalar ${them.type}`;
      if (mine !== theirType) problems.push(`${where}: type ${mine}, kubectl ${theirType}`);
    }
  }
  return { problems, checked };
}

describe("schema/openapiv2.proto against the descriptors compiled into kubectl", () => {
  const current = findExecutable(KUBECTL);
  it("kubectl 1.32 (uncompressed descriptor)", { skip: current ? false : "kubectl is not installed" }, () => {
    const upstream = readRawDescriptor(current!, "openapiv2/OpenAPIv2.proto");
    assert.ok(upstream.size > 50, `found ${upstream.size} messages of openapiv2/OpenAPIv2.proto in ${current}`);
    const { problems, checked } = problemsAgainst(upstream);
    assert.deepEqual(problems, []);
    assert.ok(checked > 70, `only ${checked} fields checked`);
  });
  it("kubectl 1.20 (gzipped descriptor)", () => {
    const upstream = readKubectlDescriptors(KUBECTL_1_20, "openapiv2/");
    assert.ok(upstream.size > 50, `found ${upstream.size} messages of openapiv2/OpenAPIv2.proto in ${KUBECTL_1_20}`);
    assert.deepEqual(problemsAgainst(upstream).problems, []);
  });
});
