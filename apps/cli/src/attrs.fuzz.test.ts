// --attrs strings ("all five as debugfs writes them"): any string is either a usage error or
// five numbers that the kernel's attrs file reads the same way. The CLI may be stricter than
// the kernel (no trailing words, nothing past 2^53), never looser or different.
import { DamonError, validateAttrs, type DamonAttrs } from "@damon-sim/core";
import { SimKernel } from "@damon-sim/dbgfs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fuzz } from "../../../tools/test-runner/src/fuzz.js";
import { recordAttrs, type RecordOptions } from "./commands/record.js";
import { UsageError } from "./errors.js";

const ATTRS = "/sys/kernel/debug/damon/attrs";
const TOKENS = ["0", "3", "5000", "100000", "1000000", "10", "1000", "007", "+5", "-1", "-0", "0x10", "1e3", "5.0", ".5", "9007199254740991", "9007199254740993", "18446744073709551616", "Infinity", "NaN", "abc", "١٢"];
const SPACES = [" ", "  ", "\t", "\n", " \n", "\r", "\v", "\f", "\u00a0"];

/** What the CLI makes of --attrs: a usage error, or the attrs it would run with. */
function cli(text: string): "usage" | Partial<DamonAttrs> {
  try {
    return recordAttrs({ attrs: text } as RecordOptions);
  } catch (e) {
    if (e instanceof UsageError) {
      expect(e.message).not.toContain("\n");
      return "usage";
    }
    throw new Error(`not a UsageError: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`, { cause: e });
  }
}

describe("fuzz: --attrs", () => {
  const kernel = SimKernel.createSync({ seed: 1, version: "6.8" });
  const vfs = kernel.vfs;
  const writeAttrs = (text: string): number => {
    const fd = vfs.open(ATTRS, 1);
    const n = vfs.write(fd, new TextEncoder().encode(text));
    vfs.close(fd);
    return n;
  };
  const readAttrs = (): string => {
    const fd = vfs.open(ATTRS, 0);
    const bytes = vfs.read(fd, 4096) as Uint8Array;
    vfs.close(fd);
    return new TextDecoder().decode(bytes);
  };

  it("a usage error, or five numbers the kernel reads the same", async () => {
    const spaced = fc
      .tuple(fc.array(fc.tuple(fc.constantFrom(...SPACES), fc.constantFrom(...TOKENS)), { minLength: 0, maxLength: 7 }), fc.constantFrom("", ...SPACES))
      .map(([parts, end]) => parts.map(([s, t], i) => (i === 0 && s === " " ? t : s + t)).join("") + end);
    await fuzz(
      "cli --attrs",
      fc.property(fc.oneof({ arbitrary: spaced, weight: 4 }, { arbitrary: fc.string({ maxLength: 40 }), weight: 1 }), (text) => {
        const attrs = cli(text);
        if (attrs === "usage") return;
        const five = [attrs.sampleUs, attrs.aggrUs, attrs.opsUpdateUs, attrs.minNrRegions, attrs.maxNrRegions];
        expect(five.every((n) => Number.isSafeInteger(n) && n! >= 0), `${JSON.stringify(text)} -> ${five}`).toBe(true);
        // The same string through the kernel's attrs file: accepted exactly when the CLI's
        // checks (damon_set_attrs' rules, a usage error in the CLI) pass, and read back the same.
        let valid = true;
        try {
          validateAttrs(attrs as DamonAttrs);
        } catch (e) {
          expect(e).toBeInstanceOf(DamonError);
          expect((e as DamonError).code).toBe("EINVAL");
          valid = false;
        }
        const n = writeAttrs(text);
        expect(n, `kernel write of ${JSON.stringify(text)}`).toBe(valid ? new TextEncoder().encode(text).length : -22);
        if (valid) expect(readAttrs()).toBe(`${five.join(" ")}\n`);
      }),
      { ci: 500, weight: 1 },
    );
  });

  it("regressions: what the kernel rejects or reads differently is a usage error", () => {
    for (const text of ["0x10 100000 1000000 10 1000", "1e3 100000 1000000 10 1000", "+5 100000 1000000 10 1000", "5.0 100000 1000000 10 1000", "5000 100000 1000000 10 1000\u00a0", "\u00a05000 100000 1000000 10 1000"]) {
      expect(cli(text), text).toBe("usage");
    }
    expect(cli("\t5000\n100000  1000000 10 1000\n")).toEqual({ sampleUs: 5000, aggrUs: 100000, opsUpdateUs: 1000000, minNrRegions: 10, maxNrRegions: 1000 });
  });
});
