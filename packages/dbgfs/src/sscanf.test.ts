import { describe, expect, it } from "vitest";
import { kscanf, scnprintf, strneq } from "./sscanf.js";

const bytes = (s: string) => new TextEncoder().encode(s);

describe("kernel vsscanf", () => {
  it("%lu rejects signs, stops at non-digits, wraps modulo 2^64", () => {
    expect(kscanf(bytes("  42abc"), "%lu").values).toEqual([42n]);
    expect(kscanf(bytes("-1"), "%lu").count).toBe(0);
    expect(kscanf(bytes("+1"), "%lu").count).toBe(0);
    expect(kscanf(bytes("0x10"), "%lu").values).toEqual([0n]);
    expect(kscanf(bytes("18446744073709551616"), "%lu").values).toEqual([0n]);
    expect(kscanf(bytes("18446744073709551617"), "%lu").values).toEqual([1n]);
  });

  it("%u truncates to 32 bits, %d is signed 32-bit and takes a minus but not a plus", () => {
    expect(kscanf(bytes("4294967297"), "%u").values).toEqual([1]);
    expect(kscanf(bytes("-5"), "%d").values).toEqual([-5]);
    expect(kscanf(bytes("2147483648"), "%d").values).toEqual([-2147483648]);
    expect(kscanf(bytes("+5"), "%d").count).toBe(0);
    expect(kscanf(bytes("-"), "%d").count).toBe(0);
  });

  it("whitespace in the format matches any whitespace, including none and newlines", () => {
    expect(kscanf(bytes("1\n2\t3"), "%lu %lu %lu").count).toBe(3);
    expect(kscanf(bytes("1 2"), "%lu%lu").values).toEqual([1n, 2n]);
  });

  it("%s fails only at the end of input; whitespace-only input gives an empty token", () => {
    expect(kscanf(bytes(""), "%s").count).toBe(0);
    const ws = kscanf(bytes("  \n"), "%s");
    expect(ws.count).toBe(1);
    expect(ws.values[0]).toEqual(new Uint8Array());
    expect(new TextDecoder().decode(kscanf(bytes("  on \n"), "%s").values[0] as Uint8Array)).toBe("on");
  });

  it("%n records the position even at the end; parsing stops at NUL", () => {
    expect(kscanf(bytes("12 35"), "%lu%n").consumed).toEqual([2]);
    expect(kscanf(bytes("12"), "%lu%n").consumed).toEqual([2]);
    expect(kscanf(bytes("12\u000034"), "%lu %lu").count).toBe(1);
  });

  it("strncmp and scnprintf", () => {
    expect(strneq(bytes("padd"), "paddr\n", 4)).toBe(true);
    expect(strneq(bytes("paddr\nx"), "paddr\n", 7)).toBe(false);
    expect(strneq(bytes(""), "paddr\n", 0)).toBe(true);
    expect(strneq(bytes("pa\u0000dd"), "paddr\n", 5)).toBe(false);
    expect(strneq(bytes("on"), "on", 11)).toBe(true);
    expect(scnprintf(5, "42    ")).toBe("42  ");
    expect(scnprintf(0, "x")).toBe("");
  });
});
