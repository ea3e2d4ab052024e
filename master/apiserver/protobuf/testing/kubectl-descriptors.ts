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

export function readKubectlDescriptors(binary: string): MessageIndex {
  const descriptorJson = path.join(path.dirname(require.resolve("protobufjs/package.json")), "google/protobuf/descriptor.json");
  const root = protobuf.Root.fromJSON(JSON.parse(fs.readFileSync(descriptorJson, "utf8")));
  const fileType = root.lookupType("google.protobuf.FileDescriptorProto");
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
    if (!file.name?.startsWith("k8s.io/") || !file.package) continue;
    const add = (prefix: string, m: MessageDescriptor) => {
      index.set(`${prefix}.${m.name}`, m);
      for (const nested of m.nestedType ?? []) add(`${prefix}.${m.name}`, nested);
    };
    for (const m of file.messageType ?? []) add(`.${file.package}`, m);
  }
  return index;
}
