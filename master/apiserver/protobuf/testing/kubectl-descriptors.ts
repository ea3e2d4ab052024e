// Reads the protobuf descriptors compiled into a kubectl binary. Kubernetes' generated Go code
// embeds each API package's FileDescriptorProto, gzipped; these are the field numbers and types
// kubectl encodes with. Used only to check our hand-written schema against them.
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";
import * as protobuf from "protobufjs";

export interface FieldDescriptor {
  name: string;
  number: number;
  /** 3 = repeated. */
  label: number;
  /** descriptor.proto's FieldDescriptorProto.Type: 3 int64, 5 int32, 8 bool, 9 string, 11 message, 12 bytes. */
  type: number;
  typeName?: string;
}

export interface MessageDescriptor {
  name: string;
  field?: FieldDescriptor[];
  nestedType?: MessageDescriptor[];
  options?: { mapEntry?: boolean };
}

/** Messages by full name with a leading dot, e.g. `.k8s.io.api.core.v1.Pod`. */
export type MessageIndex = Map<string, MessageDescriptor>;

/** Finds an executable on PATH, following symlinks; undefined when absent. */
export function findExecutable(name: string): string | undefined {
  if (name.includes("/")) return fs.existsSync(name) ? fs.realpathSync(name) : undefined;
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    const candidate = path.join(dir, name);
    if (fs.existsSync(candidate)) return fs.realpathSync(candidate);
  }
  return undefined;
}

function descriptorTypes(): { fileType: protobuf.Type; messageType: protobuf.Type } {
  const descriptorJson = path.join(path.dirname(require.resolve("protobufjs/package.json")), "google/protobuf/descriptor.json");
  const root = protobuf.Root.fromJSON(JSON.parse(fs.readFileSync(descriptorJson, "utf8")));
  return { fileType: root.lookupType("google.protobuf.FileDescriptorProto"), messageType: root.lookupType("google.protobuf.DescriptorProto") };
}

function indexFile(index: MessageIndex, file: { package?: string; messageType?: MessageDescriptor[] }): void {
  const add = (prefix: string, m: MessageDescriptor) => {
    index.set(`${prefix}.${m.name}`, m);
    for (const nested of m.nestedType ?? []) add(`${prefix}.${m.name}`, nested);
  };
  for (const m of file.messageType ?? []) add(`.${file.package}`, m);
}

/** The gzipped descriptors (Kubernetes' gogo-generated code embeds them so) of files named `k8s.io/…`. */
export function readKubectlDescriptors(binary: string, fileNamePrefix = "k8s.io/"): MessageIndex {
  const { fileType } = descriptorTypes();
  const data = fs.readFileSync(binary);
  const gzipHeader = Buffer.from([0x1f, 0x8b, 0x08, 0x00]);
  const index: MessageIndex = new Map();
  for (let at = data.indexOf(gzipHeader); at >= 0; at = data.indexOf(gzipHeader, at + 4)) {
    let file: { name?: string; package?: string; messageType?: MessageDescriptor[] };
    try {
      const raw = zlib.gunzipSync(data.subarray(at, at + 1_000_000), { finishFlush: zlib.constants.Z_SYNC_FLUSH });
      file = fileType.toObject(fileType.decode(raw), { longs: Number }) as typeof file;
    } catch {
      continue; // Not a descriptor: the gzip magic also occurs by chance.
    }
    if (!file.name?.startsWith(fileNamePrefix) || !file.package) continue;
    indexFile(index, file);
  }
  return index;
}

/**
 * The messages of one .proto file whose descriptor the binary embeds uncompressed (what newer
 * protoc-gen-go emits, e.g. gnostic's `openapiv2/OpenAPIv2.proto`). The descriptor's length is not
 * recorded, so its top-level fields are read until one that a FileDescriptorProto cannot have.
 */
export function readRawDescriptor(binary: string, fileName: string): MessageIndex {
  const { messageType } = descriptorTypes();
  const data = fs.readFileSync(binary);
  const index: MessageIndex = new Map();
  const nameField = Buffer.concat([Buffer.from([0x0a, fileName.length]), Buffer.from(fileName)]);
  const at = data.indexOf(nameField);
  if (at < 0 || fileName.length > 127) return index;
  const reader = protobuf.Reader.create(data.subarray(at, at + 1_000_000));
  const file: { package?: string; messageType: MessageDescriptor[] } = { messageType: [] };
  // FileDescriptorProto: 1 name, 2 package, 3 dependency, 4 message_type, 5 enum_type,
  // 6 service, 7 extension, 8 options, 9 source_code_info (all length-delimited), 12 syntax.
  for (;;) {
    const tag = reader.uint32();
    const field = tag >>> 3;
    if ((tag & 7) !== 2 || field < 1 || field > 12 || field === 10 || field === 11) break;
    const bytes = reader.bytes();
    if (field === 2) file.package = Buffer.from(bytes).toString("utf8");
    if (field === 4) file.messageType.push(messageType.toObject(messageType.decode(bytes), { longs: Number }) as MessageDescriptor);
  }
  if (file.package) indexFile(index, file);
  return index;
}
