import { describe, expect, it } from "vitest";
import { WorkloadError } from "../errors.js";
import { LackeyParser } from "./lackey.js";
import { RunBuffer } from "./runs.js";

const bytes = (text: string) => new TextEncoder().encode(text);

function parse(text: string | Uint8Array[], options = {}) {
  const runs = new RunBuffer();
  const parser = new LackeyParser(runs, options);
  for (const chunk of typeof text === "string" ? [bytes(text)] : text) parser.push(chunk);
  parser.end();
  const list = [];
  for (let i = runs.head; i < runs.tail; i++) {
    list.push({ page: runs.page[i], first: runs.first[i], last: runs.last[i], count: runs.count[i], write: runs.write[i] === 1 });
  }
  return { parser, runs: list };
}

const TRACE = [
  "==123== Lackey, an example Valgrind tool",
  "I  04011a70,3",
  " L 1ffefffc40,8",
  " S 1ffefffc48,8",
  "I  04011a73,4",
  " M 0804a000,4",
  "I  04011a77,2",
  "I  04011a79,2",
  " L 0804a010,4",
  " L 0804AFFE,4", // crosses into the next page; upper-case hex is accepted
  "--123-- a valgrind warning",
  "SB 04011a70",
  "",
  "==123== Counted 1 call to main()",
  "",
].join("\n");

describe("lackey --trace-mem=yes", () => {
  it("instructions are the clock; data accesses become runs of one page", () => {
    const { parser, runs } = parse(TRACE);
    expect([parser.lines, parser.instructions, parser.accesses, parser.outOfRange]).toEqual([14, 4, 5, 0]);
    expect(runs).toEqual([
      { page: 0x1ffefff, first: 1, last: 1, count: 2, write: true },
      { page: 0x804a, first: 2, last: 4, count: 3, write: true },
      { page: 0x804b, first: 4, last: 4, count: 1, write: false },
    ]);
  });

  it("instruction fetches can count as accesses too", () => {
    const { parser, runs } = parse(TRACE, { fetches: true });
    expect(parser.accesses).toBe(9);
    expect(runs[0]).toEqual({ page: 0x4011, first: 1, last: 4, count: 4, write: false });
  });

  it("folds a page's accesses within one quantum into a run, even when pages interleave", () => {
    const text = ` L 1000,4\n S 2000,4\nI  00400000,1\n L 1008,4\n M 2008,4\n${"I  00400000,1\n".repeat(4)} L 1010,4\n`;
    expect(parse(text, { quantum: 4 }).runs).toEqual([
      { page: 1, first: 0, last: 1, count: 2, write: false },
      { page: 2, first: 0, last: 1, count: 2, write: true },
      { page: 1, first: 5, last: 5, count: 1, write: false },
    ]);
    expect(parse(text, { quantum: 1 }).runs.map((r) => [r.page, r.first])).toEqual([[1, 0], [2, 0], [1, 1], [2, 1], [1, 5]]);
  });

  it("gives the same runs however the input is cut into chunks", () => {
    const whole = parse(TRACE).runs;
    const data = bytes(TRACE);
    for (let cut = 1; cut < data.length; cut += 3) {
      expect(parse([data.subarray(0, cut), data.subarray(cut, cut + 7), data.subarray(cut + 7)]).runs).toEqual(whole);
    }
  });

  it("a last line without newline still counts", () => {
    expect(parse("I  00400000,1\n L 1000,4").runs).toHaveLength(1);
  });

  it("addresses beyond the 47-bit user space are counted and ignored", () => {
    const { parser, runs } = parse("I  00400000,1\n L ffffffffff600000,8\n L 7ffffffff000,8\n");
    expect(parser.outOfRange).toBe(1);
    expect(runs.map((r) => r.page)).toEqual([0x7ffffffff]);
  });

  it.each([
    [" X 1000,4", 2],
    [" L 1000", 2],
    [" L ,4", 2],
    [" L 1000,", 2],
    [" L 1000,4x", 2],
    ["garbage", 2],
    ["I 00400000,1", 2],
  ])("rejects %j with its line number", (line, lineNo) => {
    let error: unknown;
    try {
      parse(`I  00400000,1\n${line}\n`, { file: "t.lackey" });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(WorkloadError);
    expect((error as WorkloadError).message).toBe(`t.lackey:${lineNo}: not a lackey --trace-mem line: "${line}"`);
  });

  it("a line longer than 1 MiB fails as it arrives, naming its line, instead of being buffered to the end", () => {
    const parser = new LackeyParser(new RunBuffer(), { file: "t.lackey" });
    parser.push(new TextEncoder().encode("I  04001000,4\n"));
    const junk = new Uint8Array(1 << 16).fill(0x41);
    let error: unknown;
    try {
      for (let i = 0; i < 20; i++) parser.push(junk);
    } catch (e) {
      error = e;
    }
    expect((error as Error).message).toBe(`t.lackey:2: not a lackey --trace-mem line (a line longer than 1048576 bytes): "${"A".repeat(80)}"`);
  });
});

