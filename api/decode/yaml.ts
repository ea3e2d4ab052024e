// YAML request bodies (`Content-Type: application/yaml`), decoded the way Kubernetes' YAML→JSON
// conversion (go-yaml v2) reads them: YAML 1.1 scalars (`0644` is octal, `yes` is true), one
// document, string keys. Timestamps, `!!binary`, sets and sexagesimal numbers stay strings, as
// they reach Kubernetes' JSON decoder.
//
// Bounded like JSON: the nesting is measured on the concrete syntax tree first (the parser keeps an
// explicit stack, so a 1.5-million-level bomb is refused after a few hundred characters), with
// aliases counted as the collection they name; aliases are limited by the library's
// maxAliasCount (the "billion laughs" bomb); and collections as map keys are refused (JSON cannot
// have them, and the library stringifies them in exponential time).
//
// The library itself is slow and recursive (about 1 KB of stack per level): the apiserver runs
// this on a worker thread with a large stack (master/apiserver/yaml-decoder.ts), never on the
// main thread.

import { Composer, Lexer, Parser, isAlias, isCollection, isPair, isScalar, type Document, type Tags } from "yaml";
import { errors } from "../errors";
import { tooDeep } from "./json";
import { MAX_NESTING_DEPTH } from "./nesting";

/** How many alias expansions the yaml library may make (its own measure); Kubernetes manifests need few. */
const MAX_ALIAS_COUNT = 100;

const UNSUPPORTED_TAGS = /^tag:yaml\.org,2002:(timestamp|binary|omap|pairs|set)$/;
const UNSUPPORTED_TAG_IDS: readonly string[] = ["timestamp", "binary", "omap", "pairs", "set", "intTime", "floatTime"];

const OPTIONS = {
  version: "1.1",
  customTags: (tags: Tags) => tags.filter((t) => (typeof t === "string" ? !UNSUPPORTED_TAG_IDS.includes(t) : !UNSUPPORTED_TAGS.test(t.tag) && t.format !== "TIME")),
  // The library checks duplicate keys in quadratic time (minutes for 100,000 keys); like JSON.parse,
  // the last value wins (duplicate fields are a known gap under fieldValidation=Strict).
  uniqueKeys: false,
  logLevel: "error",
} as const;

/** Parses one YAML document from text or UTF-8 bytes into plain JSON values. Throws 400s naming the problem. */
export function decodeYaml(input: string | Uint8Array, what: string, maxDepth = MAX_NESTING_DEPTH): unknown {
  const text = typeof input === "string" ? input : new TextDecoder().decode(input);
  const docs = [...new Composer(OPTIONS).compose(parseShallow(text, what, maxDepth))];
  if (docs.length !== 1) throw errors.badRequest(`${what} must hold exactly one YAML document, found ${docs.length}`);
  const doc = docs[0];
  const problem = doc.errors[0];
  if (problem) throw errors.badRequest(`${what} is not valid YAML: ${problem.message.split("\n")[0]}`);
  checkStructure(doc, what, maxDepth);
  try {
    return doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) as unknown;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw errors.badRequest(`${what} could not be decoded from YAML: ${message}`);
  }
}

/** The CST tokens of `text`, refused as soon as the parser's stack passes the nesting limit. */
function parseShallow(text: string, what: string, maxDepth: number) {
  const parser = new Parser();
  const tokens = [];
  let offset = 0;
  for (const lexeme of new Lexer().lex(text)) {
    tokens.push(...parser.next(lexeme));
    offset += lexeme.length;
    // The stack holds the document, one entry per open collection, and maybe the scalar being read.
    if (parser.stack.length > maxDepth + 2) throw tooDeep(what, maxDepth, `near character ${offset}`);
  }
  tokens.push(...parser.end());
  return tokens;
}

type YamlNode = NonNullable<Document.Parsed["contents"]>;

/**
 * Walks the document without recursion: every map key must be a scalar, and the nesting, with
 * each alias counted as the collection it names, must stay within `maxDepth`. Heights are worked
 * out children first; an alias names an anchor defined before it, so its height is known unless
 * the alias sits inside its own anchor (a cycle, which JSON cannot hold).
 */
function checkStructure(doc: Document.Parsed, what: string, maxDepth: number): void {
  if (!doc.contents) return;
  const height = new Map<unknown, number>();
  const stack: { node: YamlNode; expanded: boolean }[] = [{ node: doc.contents, expanded: false }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    const children = childrenOf(top.node, what);
    if (!top.expanded && children.length > 0) {
      top.expanded = true;
      // Pushed last to first, so earlier siblings (where anchors are defined) are finished first.
      for (let i = children.length - 1; i >= 0; i--) stack.push({ node: children[i], expanded: false });
      continue;
    }
    stack.pop();
    let h = 0;
    for (const child of children) h = Math.max(h, heightOf(child, height, doc, what));
    if (isCollection(top.node)) h += 1;
    if (h > maxDepth) throw tooDeep(what, maxDepth);
    height.set(top.node, h);
  }
}

function heightOf(node: YamlNode, height: Map<unknown, number>, doc: Document.Parsed, what: string): number {
  if (!isAlias(node)) return height.get(node) ?? 0;
  const target = node.resolve(doc);
  if (target === undefined) return 0; // an unknown anchor: toJS reports it
  if (isScalar(target)) return 0;
  const h = height.get(target);
  if (h === undefined) throw errors.badRequest(`${what} has a YAML alias *${node.source} inside the node it names; JSON cannot hold a cycle`);
  return h;
}

function childrenOf(node: YamlNode, what: string): YamlNode[] {
  if (!isCollection(node)) return [];
  const out: YamlNode[] = [];
  for (const item of node.items) {
    if (isPair(item)) {
      if (item.key !== null && !isScalar(item.key)) {
        throw errors.badRequest(`${what} has a YAML map key that is not a string or number; Kubernetes objects have string keys only`);
      }
      if (item.value) out.push(item.value as YamlNode);
    } else if (item) {
      out.push(item as YamlNode);
    }
  }
  return out;
}
