// masim configs, mutated line by line and byte by byte, or random: parsing either gives a
// config whose model is valid, or throws one WorkloadError naming the file and a line of it.
import { readFileSync } from "node:fs";
import { Simulation } from "@damon-sim/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fuzz } from "../../../../tools/test-runner/src/fuzz.js";
import { WorkloadError } from "../errors.js";
import { validateModel } from "../model.js";
import { MASIM_FIXTURES, masimFixture } from "../test-support.js";
import { ModelWorkload } from "../workload.js";
import { masimToModel } from "./model.js";
import { parseMasimConfig, type MasimConfig } from "./parse.js";

const CONFIGS = MASIM_FIXTURES.map((name) => readFileSync(masimFixture(name), "utf8"));

/** Parses; a failure must be a one-line WorkloadError at a line of the file. Returns the config, if any. */
function check(text: string): MasimConfig | undefined {
  const lines = text.split("\n").length;
  let config;
  try {
    config = parseMasimConfig(text, "t.cfg");
  } catch (e) {
    if (!(e instanceof WorkloadError)) throw new Error(`not a WorkloadError: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`, { cause: e });
    expect(e.file).toBe("t.cfg");
    expect(Number.isInteger(e.line) && e.line! >= 1 && e.line! <= lines + 1, `line ${e.line} of ${lines}`).toBe(true);
    expect(e.message.startsWith(`t.cfg:${e.line}: `)).toBe(true);
    expect(e.message).not.toContain("\n");
    return undefined;
  }
  // What parses is a workload: its model passes the same checks as a JSON model.
  validateModel(masimToModel(config, { file: "t.cfg" }));
  return config;
}

// Field values masim's atoi would take and the parser must judge
const FIELDS = ["", " ", "0", "-1", "1", "4096", "10MB", "1e3", "0x10", "99999999999999999999", "17592186044417", "2147483648", "ro", "wo", "rw", "rwx", "none", "a", "s0", "#", ",", "\t", "\r"];

type LineEdit =
  | { kind: "delete"; at: number }
  | { kind: "duplicate"; at: number }
  | { kind: "swap"; at: number; with: number }
  | { kind: "blank"; at: number }
  | { kind: "comment"; at: number }
  | { kind: "field"; at: number; field: number; value: string }
  | { kind: "crlf" }
  | { kind: "noFinalNewline" };

const lineEditArb: fc.Arbitrary<LineEdit> = fc.oneof(
  fc.record({ kind: fc.constant("delete" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("duplicate" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("swap" as const), at: fc.nat(), with: fc.nat() }),
  fc.record({ kind: fc.constant("blank" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("comment" as const), at: fc.nat() }),
  { arbitrary: fc.record({ kind: fc.constant("field" as const), at: fc.nat(), field: fc.nat({ max: 5 }), value: fc.oneof(fc.constantFrom(...FIELDS), fc.string({ maxLength: 6 })) }), weight: 4 },
  fc.constant({ kind: "crlf" as const }),
  fc.constant({ kind: "noFinalNewline" as const }),
);

function editLines(text: string, edits: readonly LineEdit[]): string {
  let lines = text.split("\n");
  let crlf = false;
  let finalNewline = true;
  for (const e of edits) {
    if (e.kind === "crlf") crlf = true;
    else if (e.kind === "noFinalNewline") finalNewline = false;
    else {
      const at = e.at % lines.length;
      if (e.kind === "delete") lines.splice(at, 1);
      else if (e.kind === "duplicate") lines.splice(at, 0, lines[at]);
      else if (e.kind === "swap") [lines[at], lines[e.with % lines.length]] = [lines[e.with % lines.length], lines[at]];
      else if (e.kind === "blank") lines.splice(at, 0, "");
      else if (e.kind === "comment") lines.splice(at, 0, "# a comment");
      else {
        const fields = lines[at].split(",");
        fields[e.field % fields.length] = e.value;
        lines[at] = fields.join(",");
      }
      if (!lines.length) lines = [""];
    }
  }
  let out = lines.join(crlf ? "\r\n" : "\n");
  if (!finalNewline) out = out.replace(/\r?\n$/, "");
  return out;
}

describe("fuzz: masim configs", () => {
  it("mutated lines and fields of every shipped config", async () => {
    await fuzz(
      "masim mutated lines",
      fc.property(fc.nat({ max: CONFIGS.length - 1 }), fc.array(lineEditArb, { minLength: 1, maxLength: 5 }), (i, edits) => {
        check(editLines(CONFIGS[i], edits));
      }),
      { ci: 400, weight: 1 },
    );
  });

  it("bytes flipped, inserted or deleted", async () => {
    const byteEdit = fc.record({ at: fc.nat(), insert: fc.string({ maxLength: 4 }), remove: fc.nat({ max: 6 }) });
    await fuzz(
      "masim mutated bytes",
      fc.property(fc.nat({ max: CONFIGS.length - 1 }), fc.array(byteEdit, { minLength: 1, maxLength: 4 }), (i, edits) => {
        let text = CONFIGS[i];
        for (const e of edits) {
          const at = e.at % (text.length + 1);
          text = text.slice(0, at) + e.insert + text.slice(at + e.remove);
        }
        check(text);
      }),
      { ci: 400, weight: 1 },
    );
  });

  it("random text", async () => {
    const line = fc.array(fc.constantFrom(...FIELDS, "phase", "10000", "s0, 0, 4096, 1"), { maxLength: 5 }).map((f) => f.join(","));
    await fuzz(
      "masim random text",
      fc.property(fc.oneof(fc.string({ maxLength: 200 }), fc.array(line, { maxLength: 12 }).map((l) => `${l.join("\n")}\n`)), (text) => {
        check(text);
      }),
      { ci: 400, weight: 1 },
    );
  });

  it("what parses runs, on either engine", async () => {
    const sim = Simulation.createSync({ seed: 1 });
    await fuzz(
      "masim run",
      fc.property(fc.nat({ max: CONFIGS.length - 1 }), fc.array(lineEditArb, { minLength: 1, maxLength: 3 }), fc.constantFrom("fast" as const, "exact" as const), (i, edits, engine) => {
        const config = check(editLines(CONFIGS[i], edits));
        if (!config) return;
        const workload = ModelWorkload.spawn(sim, masimToModel(config, { file: "t.cfg" }), { engine });
        try {
          sim.runFor(2_000);
        } finally {
          workload.detach();
          if (workload.task.alive) sim.machine.exit(workload.task.pid);
        }
      }),
      { ci: 20, weight: 0.01 },
    );
  });
});
