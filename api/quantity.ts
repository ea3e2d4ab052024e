// Kubernetes resource quantities ("100m", "1Gi", "1e3", "0.5"), exact to the nano like
// apimachinery's resource.Quantity. The value is kept as a bigint count of nano-units so sums and
// comparisons never suffer float rounding; anything finer than a nano rounds away from zero, as
// Kubernetes does when it parses. `toString()` prints the canonical form the apiserver echoes
// back (`0.5` → `500m`, `1536Mi` stays, `2048` in binary form → `2Ki`).
//
// The scheduler and the agent only need numbers: `parseMillis` (CPU) and `parseBytes` (memory,
// storage) round up like Quantity.MilliValue() and Quantity.Value().

export type QuantityFormat = "DecimalSI" | "BinarySI" | "DecimalExponent";

/** The grammar Kubernetes quotes when a quantity does not parse. */
export const QUANTITY_REGEX = "^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$";
export const ERR_QUANTITY_FORMAT = `quantities must match the regular expression '${QUANTITY_REGEX}'`;
export const ERR_QUANTITY_SUFFIX = "unable to parse quantity's suffix";
export const ERR_QUANTITY_NUMERIC = "unable to parse numeric part of quantity";

export class QuantityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "QuantityError";
  }
}

const NANO = 1_000_000_000n;
const DECIMAL_SUFFIXES: Readonly<Record<string, number>> = {
  n: -9, u: -6, m: -3, "": 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18,
};
const BINARY_SUFFIXES: Readonly<Record<string, number>> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const BINARY_NAMES = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"];
const DECIMAL_NAMES: Readonly<Record<number, string>> = {
  [-9]: "n", [-6]: "u", [-3]: "m", 0: "", 3: "k", 6: "M", 9: "G", 12: "T", 15: "P", 18: "E",
};
/** Exponents beyond this would make bigint arithmetic absurdly large; no real resource needs them. */
const MAX_EXPONENT = 4096;

const pow10 = (n: number): bigint => 10n ** BigInt(n);
const abs = (n: bigint): bigint => (n < 0n ? -n : n);

/** Divides rounding away from zero (Kubernetes rounds lost precision "up"). */
function divAway(n: bigint, d: bigint): bigint {
  const q = n / d;
  return n % d === 0n ? q : n < 0n ? q - 1n : q + 1n;
}

interface Parts {
  positive: boolean;
  num: string;
  denom: string;
  suffix: string;
}

/** Splits a quantity the way apimachinery's parseQuantityString does, including its leniencies ("1.G"). */
function splitQuantity(str: string): Parts {
  let pos = 0;
  let positive = true;
  if (str[0] === "-" || str[0] === "+") {
    positive = str[0] === "+";
    pos++;
  }
  while (pos < str.length && str[pos] === "0") pos++;
  let end = pos;
  while (end < str.length && str[end] >= "0" && str[end] <= "9") end++;
  const num = str.slice(pos, end) || "0";
  pos = end;
  let denom = "";
  if (str[pos] === ".") {
    end = ++pos;
    while (end < str.length && str[end] >= "0" && str[end] <= "9") end++;
    denom = str.slice(pos, end);
    pos = end;
  }
  const suffixStart = pos;
  while (pos < str.length && "eEinumkKMGTP".includes(str[pos])) pos++;
  if (str[pos] === "-" || str[pos] === "+") pos++;
  while (pos < str.length && str[pos] >= "0" && str[pos] <= "9") pos++;
  if (pos < str.length) throw new QuantityError(ERR_QUANTITY_FORMAT);
  return { positive, num, denom, suffix: str.slice(suffixStart) };
}

interface Suffix {
  base: 2 | 10;
  exponent: number;
  format: QuantityFormat;
}

function interpretSuffix(suffix: string): Suffix {
  if (suffix in DECIMAL_SUFFIXES) return { base: 10, exponent: DECIMAL_SUFFIXES[suffix], format: "DecimalSI" };
  if (suffix in BINARY_SUFFIXES) return { base: 2, exponent: BINARY_SUFFIXES[suffix], format: "BinarySI" };
  if (suffix.length > 1 && (suffix[0] === "e" || suffix[0] === "E") && /^[+-]?\d+$/.test(suffix.slice(1))) {
    const exponent = Number(suffix.slice(1));
    if (Math.abs(exponent) > MAX_EXPONENT) throw new QuantityError(ERR_QUANTITY_NUMERIC);
    return { base: 10, exponent, format: "DecimalExponent" };
  }
  throw new QuantityError(ERR_QUANTITY_SUFFIX);
}

export class Quantity {
  private constructor(
    /** The value times 10^9, rounded away from zero. */
    readonly nanos: bigint,
    readonly format: QuantityFormat,
  ) {}

  static readonly ZERO = new Quantity(0n, "DecimalSI");

  static fromNanos(nanos: bigint, format: QuantityFormat = "DecimalSI"): Quantity {
    return new Quantity(nanos, format);
  }

  /** Parses a quantity; numbers are accepted because YAML `cpu: 1` arrives as a JSON number. */
  static parse(input: string | number): Quantity {
    const str = (typeof input === "number" ? String(input) : input).trim();
    if (str.length === 0) throw new QuantityError(ERR_QUANTITY_FORMAT);
    const { positive, num, denom, suffix } = splitQuantity(str);
    const { base, exponent, format } = interpretSuffix(suffix);
    const digits = BigInt(num + denom);
    // value = digits × 10^-len(denom) × base^exponent; scale it to nano-units.
    let scale = 9 - denom.length;
    let nanos = digits;
    if (base === 2) nanos *= 2n ** BigInt(exponent);
    else scale += exponent;
    nanos = scale >= 0 ? nanos * pow10(scale) : divAway(nanos, pow10(-scale));
    return new Quantity(positive ? nanos : -nanos, format);
  }

  static tryParse(input: unknown): Quantity | undefined {
    if (typeof input !== "string" && typeof input !== "number") return undefined;
    try {
      return Quantity.parse(input);
    } catch {
      return undefined;
    }
  }

  /** A JavaScript number as a quantity, printed in `format` (e.g. 1.5 → "1500m"). */
  static fromNumber(value: number, format: QuantityFormat = "DecimalSI"): Quantity {
    if (!Number.isFinite(value)) throw new QuantityError(ERR_QUANTITY_NUMERIC);
    return new Quantity(Quantity.parse(value).nanos, format);
  }

  sign(): -1 | 0 | 1 {
    return this.nanos === 0n ? 0 : this.nanos < 0n ? -1 : 1;
  }

  cmp(other: Quantity): -1 | 0 | 1 {
    return this.nanos === other.nanos ? 0 : this.nanos < other.nanos ? -1 : 1;
  }

  add(other: Quantity): Quantity {
    return new Quantity(this.nanos + other.nanos, this.format);
  }

  sub(other: Quantity): Quantity {
    return new Quantity(this.nanos - other.nanos, this.format);
  }

  /** Rounds away from zero to 10^scale (scale -3 = milli), as SetDefaults_ResourceList does. */
  roundUp(scale: number): Quantity {
    const step = pow10(scale + 9);
    return step <= 1n ? this : new Quantity(divAway(this.nanos, step) * step, this.format);
  }

  /** Like Quantity.Value(): the integer value, rounded away from zero (bytes for memory). */
  value(): number {
    return Number(divAway(this.nanos, NANO));
  }

  /** Like Quantity.MilliValue(): thousandths, rounded away from zero (millicores for CPU). */
  milliValue(): number {
    return Number(divAway(this.nanos, 1_000_000n));
  }

  /** The value as a float; exact for anything a resource list realistically holds. */
  toNumber(): number {
    const whole = this.nanos / NANO;
    return Number(whole) + Number(this.nanos - whole * NANO) / 1e9;
  }

  /** The canonical string Kubernetes serializes. */
  toString(): string {
    if (this.nanos === 0n) return "0";
    const sign = this.nanos < 0n ? "-" : "";
    const magnitude = abs(this.nanos);
    if (this.format === "BinarySI" && magnitude >= 1024n * NANO && magnitude % NANO === 0n) {
      let mantissa = magnitude / NANO;
      let step = 0;
      while (step < BINARY_NAMES.length - 1 && mantissa % 1024n === 0n) {
        mantissa /= 1024n;
        step++;
      }
      return `${sign}${mantissa}${BINARY_NAMES[step]}`;
    }
    // Decimal forms: the largest exponent (a multiple of 3) that keeps the mantissa whole.
    const maxExponent = this.format === "DecimalExponent" ? Number.MAX_SAFE_INTEGER : 18;
    let mantissa = magnitude;
    let exponent = -9;
    while (exponent < maxExponent && mantissa % 1000n === 0n) {
      mantissa /= 1000n;
      exponent += 3;
    }
    if (this.format === "DecimalExponent") return `${sign}${mantissa}${exponent === 0 ? "" : `e${exponent}`}`;
    return `${sign}${mantissa}${DECIMAL_NAMES[exponent]}`;
  }

  toJSON(): string {
    return this.toString();
  }
}

/** The numeric value of a quantity ("100m" → 0.1, "1Gi" → 1073741824). Throws QuantityError. */
export function parseQuantity(input: string | number): number {
  return Quantity.parse(input).toNumber();
}

/** Thousandths, rounded up: the unit the scheduler counts CPU in ("100m" → 100, "1" → 1000). */
export function parseMillis(input: string | number): number {
  return Quantity.parse(input).milliValue();
}

/** Whole units, rounded up: the unit for memory and storage ("1Gi" → 1073741824, "1.5" → 2). */
export function parseBytes(input: string | number): number {
  return Quantity.parse(input).value();
}

/** The canonical spelling of a number in a format (1.5 → "1500m", 2048 binary → "2Ki"). */
export function formatQuantity(value: number, format: QuantityFormat = "DecimalSI"): string {
  return Quantity.fromNumber(value, format).toString();
}

/** The canonical spelling of a quantity string ("0.5" → "500m", "1e3" → "1e3", "1024Mi" → "1Gi"). */
export function canonicalQuantity(input: string | number): string {
  return Quantity.parse(input).toString();
}
