import { test } from "node:test";
import assert from "node:assert/strict";
import {
  ERR_QUANTITY_FORMAT,
  ERR_QUANTITY_SUFFIX,
  Quantity,
  QuantityError,
  canonicalQuantity,
  formatQuantity,
  parseBytes,
  parseMillis,
  parseQuantity,
} from "./quantity";

test("numeric values of the common spellings", () => {
  assert.equal(parseQuantity("100m"), 0.1);
  assert.equal(parseQuantity("1Gi"), 1073741824);
  assert.equal(parseQuantity("1e3"), 1000);
  assert.equal(parseQuantity("0.5"), 0.5);
  assert.equal(parseQuantity("1.5Ki"), 1536);
  assert.equal(parseQuantity("2M"), 2_000_000);
  assert.equal(parseQuantity("-1"), -1);
  assert.equal(parseQuantity(3), 3);
  assert.equal(parseQuantity("10n"), 1e-8);
});

test("millis and bytes round up like MilliValue and Value", () => {
  assert.equal(parseMillis("100m"), 100);
  assert.equal(parseMillis("1"), 1000);
  assert.equal(parseMillis("0.0001"), 1);
  assert.equal(parseMillis("250u"), 1);
  assert.equal(parseBytes("1Gi"), 1073741824);
  assert.equal(parseBytes("1.5"), 2);
  assert.equal(parseBytes("128974848"), 128974848);
  assert.equal(parseBytes("129e6"), 129000000);
  assert.equal(parseBytes("123Mi"), 128974848);
});

test("canonical form is what Kubernetes echoes back", () => {
  const cases: [string, string][] = [
    ["0.5", "500m"],
    ["1.5", "1500m"],
    ["1000m", "1"],
    ["1500", "1500"],
    ["1000", "1k"],
    ["1200000", "1200k"],
    ["0.0001", "100u"],
    ["1024Mi", "1Gi"],
    ["1536Mi", "1536Mi"],
    ["2048Ki", "2Mi"],
    ["1Ki", "1Ki"],
    ["512Ki", "512Ki"],
    ["0.5Ki", "512"],
    ["1e3", "1e3"],
    ["1.5e3", "1500"],
    ["1e-3", "1e-3"],
    ["0", "0"],
    ["0Mi", "0"],
    ["-100m", "-100m"],
    ["+2", "2"],
    ["1.G", "1G"],
    [".5", "500m"],
  ];
  for (const [input, want] of cases) assert.equal(canonicalQuantity(input), want, input);
});

test("precision below a nano rounds away from zero", () => {
  assert.equal(canonicalQuantity("0.0000000001"), "1n");
  assert.equal(canonicalQuantity("-0.0000000001"), "-1n");
});

test("formatQuantity spells numbers in a format", () => {
  assert.equal(formatQuantity(1.5), "1500m");
  assert.equal(formatQuantity(2048, "BinarySI"), "2Ki");
  assert.equal(formatQuantity(1000, "BinarySI"), "1k");
  assert.equal(formatQuantity(1000, "DecimalExponent"), "1e3");
  assert.throws(() => formatQuantity(Infinity), QuantityError);
});

test("malformed quantities fail with Kubernetes' messages", () => {
  assert.throws(() => Quantity.parse("abc"), { message: ERR_QUANTITY_FORMAT });
  assert.throws(() => Quantity.parse(""), { message: ERR_QUANTITY_FORMAT });
  assert.throws(() => Quantity.parse("1.2.3"), { message: ERR_QUANTITY_FORMAT });
  assert.throws(() => Quantity.parse("1Kx"), { message: ERR_QUANTITY_FORMAT });
  assert.throws(() => Quantity.parse("1K"), { message: ERR_QUANTITY_SUFFIX });
  assert.throws(() => Quantity.parse("1ki"), { message: ERR_QUANTITY_SUFFIX });
  assert.throws(() => Quantity.parse("1e"), { message: ERR_QUANTITY_SUFFIX });
  assert.equal(Quantity.tryParse("nope"), undefined);
  assert.equal(Quantity.tryParse({}), undefined);
});

test("exact arithmetic and comparison", () => {
  const a = Quantity.parse("100m");
  const b = Quantity.parse("0.2");
  assert.equal(a.add(b).toString(), "300m");
  assert.equal(b.sub(a).cmp(a), 0);
  assert.equal(Quantity.parse("1Gi").cmp(Quantity.parse("1G")), 1);
  assert.equal(Quantity.parse("1").cmp(Quantity.parse("1000m")), 0);
  assert.equal(Quantity.parse("-1").sign(), -1);
  assert.equal(Quantity.parse("0.0001").roundUp(-3).toString(), "1m");
  assert.equal(JSON.stringify({ q: Quantity.parse("0.5") }), '{"q":"500m"}');
});
