// Checks every field of schema/*.proto against the descriptors compiled into the installed
// kubectl: same number, name, cardinality and type. A typo in a field number would otherwise
// decode silently into the wrong field.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as protobuf from "protobufjs";
import { defaultKubernetesSchema } from "./schema";
import { KUBECTL } from "./testing/kubectl";
import { type FieldDescriptor, type MessageDescriptor, type MessageIndex, findExecutable, readKubectlDescriptors } from "./testing/kubectl-descriptors";

const SCALARS: Record<string, number> = { int64: 3, int32: 5, bool: 8, string: 9, bytes: 12 };

const binary = findExecutable(KUBECTL);
const upstream: MessageIndex = binary ? readKubectlDescriptors(binary) : new Map();
const skip = !binary ? "kubectl is not installed" : upstream.size === 0 ? "this kubectl carries no protobuf descriptors" : false;

function ourTypes(ns: protobuf.NamespaceBase): protobuf.Type[] {
  const found: protobuf.Type[] = [];
  for (const nested of ns.nestedArray) {
    if (nested instanceof protobuf.Type) found.push(nested);
    if (nested instanceof protobuf.Namespace || nested instanceof protobuf.Type) found.push(...ourTypes(nested));
  }
  return found;
}

/** `type` as upstream writes it: a scalar type number or a message's full name. */
function describeOurs(valueType: string, resolved: protobuf.ReflectionObject | null): string {
  return resolved instanceof protobuf.Type ? resolved.fullName : `scalar ${SCALARS[valueType] ?? valueType}`;
}

function describeUpstream(field: FieldDescriptor): string {
  return field.type === 11 ? String(field.typeName).replace(V1BETA1, V1) : `scalar ${field.type}`;
}

// kubectl 1.32's binary carries certificates.k8s.io v1beta1's descriptors but not v1's (not found
// by the scan); upstream promoted the CSR messages to v1 unchanged, so v1 is checked against v1beta1.
const V1 = ".k8s.io.api.certificates.v1.";
const V1BETA1 = ".k8s.io.api.certificates.v1beta1.";
function upstreamMessage(name: string): MessageDescriptor | undefined {
  return upstream.get(name) ?? (name.startsWith(V1) ? upstream.get(name.replace(V1, V1BETA1)) : undefined);
}

function mapEntry(message: MessageDescriptor, field: FieldDescriptor): MessageDescriptor | undefined {
  const entryName = field.typeName?.slice(field.typeName.lastIndexOf(".") + 1);
  return message.nestedType?.find((n) => n.name === entryName && n.options?.mapEntry);
}

describe("schema/*.proto against kubectl's compiled-in descriptors", { skip }, () => {
  it("every field has kubectl's number, name, cardinality and type", () => {
    const types = ourTypes(defaultKubernetesSchema().root).filter((t) => t.fullName.startsWith(".k8s.io."));
    assert.ok(types.length > 100, `only ${types.length} types loaded`);
    const problems: string[] = [];
    let checked = 0;
    for (const type of types) {
      const theirs = upstreamMessage(type.fullName);
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
        if (them.name !== field.name) problems.push(`${where}: kubectl calls field ${field.id} "${them.name}"`);
        if (field instanceof protobuf.MapField) {
          const entry = mapEntry(theirs, them);
          const [key, value] = entry?.field ?? [];
          if (!entry || !key || !value) {
            problems.push(`${where}: a map here, not in kubectl`);
            continue;
          }
          if (key.type !== SCALARS[field.keyType]) problems.push(`${where}: map key type differs`);
          const ours = describeOurs(field.type, field.resolvedType);
          if (ours !== describeUpstream(value)) problems.push(`${where}: map value ${ours}, kubectl ${describeUpstream(value)}`);
          continue;
        }
        if (mapEntry(theirs, them)) problems.push(`${where}: a map in kubectl, not here`);
        if (field.repeated !== (them.label === 3)) problems.push(`${where}: repeated ${field.repeated}, kubectl ${them.label === 3}`);
        const ours = describeOurs(field.type, field.resolvedType);
        if (ours !== describeUpstream(them)) problems.push(`${where}: type ${ours}, kubectl ${describeUpstream(them)}`);
      }
    }
    assert.deepEqual(problems, []);
    assert.ok(checked > 600, `only ${checked} fields checked`);
  });
});
