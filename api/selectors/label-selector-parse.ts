// Parser for the string form of a label selector, as sent in `?labelSelector=`:
//
//   selector    ::= requirement ("," requirement)*
//   requirement ::= ["!"] KEY [ ("in" | "notin") "(" VALUES ")" | ("=" | "==" | "!=" | ">" | "<") VALUE ]
//
// It follows apimachinery's labels.Parse token for token (same lexer rules, same error wording),
// because clients build selectors against that grammar: `x in (a,,b)` and `y notin ()` are legal,
// `in`/`notin` are ordinary words in value position, whitespace separates tokens.

import { type LabelOperator, type LabelRequirement, newRequirement, sortRequirements } from "./label-requirement";
import { invalidValue, labelKeyErrors } from "./label-syntax";

type Token =
  | "end"
  | "error"
  | "identifier"
  | ")"
  | ","
  | "!"
  | "=="
  | "="
  | ">"
  | "<"
  | "!="
  | "("
  | "in"
  | "notin";

interface Item {
  tok: Token;
  lit: string;
}

const SYMBOLS: ReadonlySet<string> = new Set([")", ",", "!", "==", "=", ">", "<", "!=", "("]);
const isSpecial = (ch: string) => "=!(),><".includes(ch);
const isSpace = (ch: string) => ch === " " || ch === "\t" || ch === "\r" || ch === "\n";

/** Splits the input into tokens; symbols take the longest run that still forms an operator. */
function lex(s: string): Item[] {
  const items: Item[] = [];
  let pos = 0;
  for (;;) {
    while (pos < s.length && isSpace(s[pos])) pos++;
    if (pos >= s.length) {
      items.push({ tok: "end", lit: "" });
      return items;
    }
    if (isSpecial(s[pos])) {
      let buf = "";
      let last: Item | undefined;
      while (pos < s.length && isSpecial(s[pos])) {
        buf += s[pos];
        if (SYMBOLS.has(buf)) {
          last = { tok: buf as Token, lit: buf };
          pos++;
        } else if (last) {
          break;
        } else {
          pos++;
        }
      }
      items.push(last ?? { tok: "error", lit: `error expected: keyword found '${buf}'` });
    } else {
      let buf = "";
      while (pos < s.length && !isSpecial(s[pos]) && !isSpace(s[pos])) buf += s[pos++];
      items.push({ tok: buf === "in" || buf === "notin" ? buf : "identifier", lit: buf });
    }
  }
}

const BINARY_OPERATORS = "in, notin, =, ==, !=, gt, lt";

class ParseError extends Error {}

class Parser {
  private pos = 0;
  constructor(private readonly items: Item[]) {}

  /** In value position the keywords `in` and `notin` are plain identifiers. */
  private peek(values = true): Item {
    const it = this.items[this.pos];
    return values && (it.tok === "in" || it.tok === "notin") ? { tok: "identifier", lit: it.lit } : it;
  }

  private next(values = true): Item {
    const it = this.peek(values);
    this.pos++;
    return it;
  }

  parse(): LabelRequirement[] {
    const reqs: LabelRequirement[] = [];
    for (;;) {
      const { tok, lit } = this.peek();
      if (tok === "end") return reqs;
      if (tok !== "identifier" && tok !== "!") {
        throw new ParseError(`found '${lit}', expected: !, identifier, or 'end of string'`);
      }
      reqs.push(this.requirement());
      const after = this.next();
      if (after.tok === "end") return reqs;
      if (after.tok !== ",") throw new ParseError(`found '${after.lit}', expected: ',' or 'end of string'`);
      const following = this.peek();
      if (following.tok !== "identifier" && following.tok !== "!") {
        throw new ParseError(`found '${following.lit}', expected: identifier after ','`);
      }
    }
  }

  private requirement(): LabelRequirement {
    let negated = false;
    let item = this.next();
    if (item.tok === "!") {
      negated = true;
      item = this.next();
    }
    if (item.tok !== "identifier") throw new RequirementError(`found '${item.lit}', expected: identifier`);
    const key = item.lit;
    const keyErrs = labelKeyErrors(key);
    if (keyErrs.length) throw new RequirementError(invalidValue("<nil>", key, keyErrs));
    const ahead = this.peek().tok;
    if (negated || ahead === "end" || ahead === ",") {
      // `!key` takes no operator; Kubernetes reports whatever follows as a separator error.
      return build(key, negated ? "!" : "exists", []);
    }
    const opItem = this.next(false);
    let op: LabelOperator;
    switch (opItem.tok) {
      case "in":
      case "notin":
      case "=":
      case "==":
      case "!=":
        op = opItem.tok;
        break;
      case ">":
        op = "gt";
        break;
      case "<":
        op = "lt";
        break;
      default:
        throw new RequirementError(`found '${opItem.lit}', expected: ${BINARY_OPERATORS}`);
    }
    const values = op === "in" || op === "notin" ? this.valueSet() : this.exactValue();
    return build(key, op, [...values].sort());
  }

  /** `(a,b)`; empty members are the empty string, so `()` and `(a,)` both include "". */
  private valueSet(): Set<string> {
    const open = this.next();
    if (open.tok !== "(") throw new RequirementError(`found '${open.lit}' expected: '('`);
    const first = this.peek();
    if (first.tok === ")") {
      this.next();
      return new Set([""]);
    }
    if (first.tok !== "identifier" && first.tok !== ",") {
      throw new RequirementError(`found '${first.lit}', expected: ',', ')' or identifier`);
    }
    const set = new Set<string>();
    for (;;) {
      const it = this.next();
      if (it.tok === "identifier") {
        set.add(it.lit);
        const after = this.peek();
        if (after.tok === ")") break;
        if (after.tok !== ",") throw new RequirementError(`found '${after.lit}', expected: ',' or ')'`);
      } else if (it.tok === ",") {
        if (set.size === 0) set.add("");
        const after = this.peek().tok;
        if (after === ")") {
          set.add("");
          break;
        }
        if (after === ",") {
          this.next();
          set.add("");
        }
      } else {
        throw new RequirementError(`found '${it.lit}', expected: ',', or identifier`);
      }
    }
    const close = this.next();
    if (close.tok !== ")") throw new RequirementError(`found '${first.lit}', expected: ')'`);
    return set;
  }

  /** The single value after `=`, `==`, `!=`, `>`, `<`; nothing there means the empty string. */
  private exactValue(): Set<string> {
    const ahead = this.peek();
    if (ahead.tok === "end" || ahead.tok === ",") return new Set([""]);
    const it = this.next();
    if (it.tok !== "identifier") throw new RequirementError(`found '${it.lit}', expected: identifier`);
    return new Set([it.lit]);
  }
}

/** Errors inside one requirement get Kubernetes' `unable to parse requirement:` prefix. */
class RequirementError extends ParseError {
  constructor(message: string) {
    super(`unable to parse requirement: ${message}`);
  }
}

function build(key: string, op: LabelOperator, values: string[]): LabelRequirement {
  const r = newRequirement(key, op, values);
  if ("error" in r) throw new RequirementError(r.error);
  return r;
}

/**
 * Parses a label selector string into requirements sorted by key. Throws an Error carrying
 * Kubernetes' message on bad input; the public wrapper turns it into a 400.
 */
export function parseLabelRequirements(selector: string): LabelRequirement[] {
  return sortRequirements(new Parser(lex(selector)).parse());
}
