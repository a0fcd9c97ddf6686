import { describe, expect, it } from "vitest";
import { SimKernel } from "./kernel.js";

describe("tracing/available_events", () => {
  it("lists the damon tracepoints as system:event, which damo reads to choose perf's -e", () => {
    const kernel = SimKernel.createSync({ seed: 0 });
    const file = kernel.vfs.lookup("/sys/kernel/debug/tracing/available_events");
    if (typeof file === "number" || file.kind !== "file") throw new Error(`lookup failed: ${JSON.stringify(file)}`);
    const read = (count: number, pos: number) => {
      const bytes = file.ops.read!(count, pos);
      if (typeof bytes === "number") throw new Error(`read failed: ${bytes}`);
      return bytes;
    };
    expect(new TextDecoder().decode(read(4096, 0))).toBe("damon:damon_aggregated\n");
    expect(new TextDecoder().decode(read(4096, 5))).toBe(":damon_aggregated\n");
    expect(file.mode & 0o777).toBe(0o444);
  });
});

describe("tracing/events/damon/.../enable", () => {
  // event_enable_write: kstrtoul_from_user(ubuf, cnt, 10), then 0 or 1, else EINVAL.
  const cases: [string, number | "on" | "off"][] = [
    ["1", "on"], ["1\n", "on"], ["+1", "on"], ["1\u0000junk", "on"], ["0\n", "off"], ["+0", "off"],
    ["2", -22], ["-1", -22], ["0x1", -22], ["01", "on"], ["1 ", -22], ["", -22], ["\n", -22],
    ["18446744073709551616", -34], [`${"0".repeat(65)}1`, "on"], [`${"0".repeat(66)}1`, "off"],
  ];
  it.each(cases)("%j", (input, expected) => {
    const kernel = SimKernel.createSync({ seed: 0 });
    for (const path of ["events/damon/damon_aggregated/enable", "events/damon/enable"]) {
      const file = kernel.vfs.lookup(`/sys/kernel/debug/tracing/${path}`);
      if (typeof file === "number" || file.kind !== "file") throw new Error(`lookup failed: ${path}`);
      file.ops.write!(new TextEncoder().encode(expected === "off" ? "1" : "0"), 0);
      const before = kernel.tracing.enabled;
      const data = new TextEncoder().encode(input);
      const result = file.ops.write!(data, 0);
      if (typeof expected === "number") {
        expect(result).toBe(expected);
        expect(kernel.tracing.enabled).toBe(before);
      } else {
        expect(result).toBe(data.length);
        expect(kernel.tracing.enabled).toBe(expected === "on");
      }
    }
  });
});
