// Compares protobufjs types (our hand-written .proto files) with descriptors read from a
// kubectl binary (kubectl-descriptors.ts): for every field we declare, the same number, name,
// cardinality and type. Shared by the tests of schema/*.proto.
import * as protobuf from "protobufjs";
import type { FieldDescriptor, MessageDescriptor, MessageIndex } from "./kubectl-descriptors";

const SCALARS: Record<string, number> = { double: 1, int64: 3, int32: 5, bool: 8, string: 9, bytes: 12 };

/** Every message type below `ns`, nested ones included. */
export function typesIn(ns: protobuf.NamespaceBase): protobuf.Type[] {
  const found: protobuf.Type[] = [];
  for (const nested of ns.nestedArray) {
    if (nested instanceof protobuf.Type) found.push(nested);
    if (nested instanceof protobuf.Namespace || nested instanceof protobuf.Type) found.push(...typesIn(nested));
  }
  return found;
}

/** `type` as upstream writes it: a scalar type number or a message's full name. */
function describeOurs(valueType: string, resolved: protobuf.ReflectionObject | null): string {
  return resolved instanceof protobuf.Type ? resolved.fullName : `scalar ${SCALARS[valueType] ?? valueType}`;
}

function describeUpstream(field: FieldDescriptor): string {
  return field.type === 11 ? String(field.typeName) : `scalar ${field.type}`;
}

function mapEntry(message: MessageDescriptor, field: FieldDescriptor): MessageDescriptor | undefined {
  const entryName = field.typeName?.slice(field.typeName.lastIndexOf(".") + 1);
  return message.nestedType?.find((n) => n.name === entryName && n.options?.mapEntry);
}

/** The differences between `types` and `upstream`, one line each, and how many fields were compared. */
export function descriptorProblems(types: protobuf.Type[], upstream: MessageIndex): { problems: string[]; checked: number } {
  const problems: string[] = [];
  let checked = 0;
  for (const type of types) {
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
  return { problems, checked };
}
