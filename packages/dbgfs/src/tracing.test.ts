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
