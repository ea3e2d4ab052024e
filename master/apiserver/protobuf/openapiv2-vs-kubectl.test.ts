// Checks schema/openapiv2.proto against the gnostic `openapiv2/OpenAPIv2.proto` descriptor
// compiled into real kubectls: every field we declare has their number, name, cardinality and
// type. kubectl 1.32 embeds the descriptor uncompressed, kubectl 1.20 (Debian's
// kubernetes-client, see test/helpers/old-kubectl.ts) gzipped.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as protobuf from "protobufjs";
import { openApiV2DocumentType } from "../openapi/swagger-protobuf";
import { KUBECTL_1_20 } from "../../../test/helpers/old-kubectl";
import { descriptorProblems, typesIn } from "./testing/descriptor-check";
import { KUBECTL } from "./testing/kubectl";
import { type MessageIndex, findExecutable, readKubectlDescriptors, readRawDescriptor } from "./testing/kubectl-descriptors";

function problemsAgainst(upstream: MessageIndex): { problems: string[]; checked: number } {
  return descriptorProblems(typesIn(openApiV2DocumentType().root.lookup("openapi.v2") as protobuf.Namespace), upstream);
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
