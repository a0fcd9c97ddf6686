// Scripts for `damon-sim dbgfs --script`: random commands, words, quotes, redirections and
// separators over the debugfs files. The shell answers like bash (a status from 0 to 255 and
// messages), never with a JavaScript exception.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fuzz } from "../../../tools/test-runner/src/fuzz.js";
import { SimKernel } from "./kernel.js";
import { Shell } from "./shell.js";
import { KERNEL_VERSIONS } from "./versions.js";

const D = "/sys/kernel/debug/damon";
const COMMANDS = ["echo", "echo -n", "cat", "cd", "ls", "ls -l", "pwd", "ps", "spawn", "kill", "kill -9", "sleep", "dmesg", "true", "false", "exit", "help", "nosuchcommand"];
const WORDS = [
  `${D}/attrs`, `${D}/target_ids`, `${D}/schemes`, `${D}/init_regions`, `${D}/monitor_on`, `${D}/monitor_on_DEPRECATED`, `${D}/mk_contexts`, `${D}/rm_contexts`,
  `${D}/kdamond_pid`, `${D}/DEPRECATED`, `${D}/c1/attrs`, `${D}`, "/sys/kernel/debug/tracing/trace_pipe", "/sys/kernel/debug/tracing/events/damon/enable", "/proc", "/proc/1/maps",
  "/proc/self", "/nonexistent", "/", "..", ".", "~", "attrs", "on", "off", "paddr", "c1", "0", "1", "2", "42", "-1", "5000 100000 1000000 10 1000", "0 4096 8192", "$?",
  "'single quoted'", '"double $? quoted"', "$'\\x41\\n'", "\\", "\\n", "'", '"', "#comment", "0.001", "1e3", "NaN", "\u00ff", "",
];
const REDIRECTS = [">", ">>", "2>", "2>&1", "<", "> /dev/null", "2> /dev/null"];
const SEPARATORS = ["\n", "; ", " && ", " || ", " ", "\n\n", "\r\n"];

const tokenArb = fc.oneof(
  { arbitrary: fc.constantFrom(...WORDS), weight: 6 },
  { arbitrary: fc.constantFrom(...REDIRECTS), weight: 2 },
  { arbitrary: fc.string({ maxLength: 6 }), weight: 1 },
);
const commandArb = fc.tuple(fc.constantFrom(...COMMANDS), fc.array(tokenArb, { maxLength: 4 }), fc.constantFrom(...SEPARATORS)).map(([c, words, sep]) => `${c} ${words.join(" ")}${sep}`);
const scriptArb = fc.array(commandArb, { minLength: 1, maxLength: 8 }).map((c) => c.join(""));

describe("fuzz: the debugfs shell", () => {
  it("any script ends with a status from 0 to 255, never an exception", async () => {
    await fuzz(
      "dbgfs shell scripts",
      fc.asyncProperty(fc.constantFrom(...KERNEL_VERSIONS), scriptArb, async (version, script) => {
        const kernel = SimKernel.createSync({ seed: 1, version });
        kernel.sim.machine.spawn("work").mm!.mmap(64 << 20);
        const shell = new Shell(kernel);
        let err = "";
        const status = await shell.run(script, { stdout: () => {}, stderr: (t) => (err += t) }, "fuzz.sh");
        expect(Number.isInteger(status) && status >= 0 && status <= 255, `status ${status}`).toBe(true);
        if (err) expect(err.endsWith("\n")).toBe(true);
      }),
      { ci: 200, weight: 0.1 },
    );
  });
});
