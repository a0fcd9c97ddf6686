// Expected strings are what Python 3 prints for the same values.
import { describe, expect, it } from "vitest";
import { formatSz, formatTimeNs, percentileIndex, pyFixed, pyFloatRepr, pyInt, pyRange } from "./pyfmt.js";

describe("Python number formatting", () => {
  it("'%.3f' rounds exact ties to even, like Python and unlike toFixed", () => {
    expect([1.0625, 0.0625, 0.1875, 1.0635, 2.0005, -0.0625].map((x) => pyFixed(x, 3))).toEqual(["1.062", "0.062", "0.188", "1.063", "2.001", "-0.062"]);
    expect([2.5, 3.5].map((x) => pyFixed(x, 0))).toEqual(["2", "4"]);
  });

  it("repr() of floats", () => {
    const values = [1e16, 1e15, 1e-5, 0.0001, 1.5, -0, 123456789.125, 1.2345e-7, 2.5e20, 9.64696632173484];
    expect(values.map(pyFloatRepr)).toEqual(["1e+16", "1000000000000000.0", "1e-05", "0.0001", "1.5", "-0.0", "123456789.125", "1.2345e-07", "2.5e+20", "9.64696632173484"]);
  });

  it("'%d' truncates and prints big floats in full", () => {
    expect([1.9, -1.9, 1e21, 18446623438842320000].map(pyInt)).toEqual(["1", "-1", "1000000000000000000000", "18446623438842320896"]);
  });

  it("damo's format_time_ns", () => {
    const ns = [0, 999, 1000, 1500, 1e9, 60e9, 61e9, 61.5e9, 3600e9, 82820.852e9, 3661e9, 3600.5e9];
    expect(ns.map((t) => formatTimeNs(t, false))).toEqual(["0 ns", "999 ns", "1 us", "1.500 us", "1 s", "1 m", "1 m 1 s", "1 m 1.500 s", "1 h", "23 h 20.852 s", "1 h 1 m 1 s", "1 h 500 ms"]);
    expect(formatTimeNs(1.5e9, true)).toBe("1500000000");
  });

  it("damo's format_sz", () => {
    expect([1024, 1025, 2 ** 20, 2 ** 20 + 1, 5.5, 2 ** 64 - 1].map((b) => formatSz(b, false))).toEqual(["1024 B", "1.001 KiB", "1024.000 KiB", "1.000 MiB", "5 B", "max"]);
  });

  it("range() and percentile indices", () => {
    expect(pyRange(0, 101, 25)).toEqual([0, 25, 50, 75, 100]);
    expect(pyRange(10, 0, -5)).toEqual([10, 5]);
    expect([0, 25, 50, 99, 100].map((p) => percentileIndex(p, 10))).toEqual([0, 2, 5, 9, 9]);
  });
});
