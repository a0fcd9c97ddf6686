/** A mistake in how the command was called: exit status 2, one line and a hint to --help. */
export class UsageError extends Error {}

/**
 * A failure while doing the work: exit status 1 and the one line `damon-sim: <file>: <what>`.
 * `file` is what the user would look at: the input, the output, the mount point, the device.
 */
export class RunError extends Error {
  constructor(
    readonly file: string,
    readonly what: string,
    options?: { cause?: unknown },
  ) {
    super(`${file}: ${what}`, options);
  }
}

/** The first line of an error's message, without an "Error: " prefix: what one line can say. */
export function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split("\n", 1)[0].trim() || (error instanceof Error ? error.name : "unknown error");
}

/** How a failure reads on stderr and which status it exits with; the stack only when asked. */
export function failureReport(error: unknown, helpCommand: string, debug: boolean): { text: string; status: 1 | 2 } {
  let line: string;
  let status: 1 | 2 = 1;
  if (error instanceof UsageError) {
    line = `${firstLine(error)} (see '${helpCommand} --help')`;
    status = 2;
  } else if (error instanceof RunError) {
    line = `${error.file}: ${firstLine(new Error(error.what))}`;
  } else {
    line = `internal error: ${firstLine(error)} (DAMON_SIM_DEBUG=1 shows where)`;
  }
  let text = `damon-sim: ${line}\n`;
  if (debug) {
    for (let e: unknown = error; e instanceof Error; e = e.cause) text += `${e.stack}\n`;
  }
  return { text, status };
}

/** A failure as a plain object, to cross a worker boundary with its kind intact. */
export type WireError = { kind: "usage" | "run" | "internal"; message: string; file?: string; what?: string };

export function toWire(error: unknown): WireError {
  if (error instanceof UsageError) return { kind: "usage", message: firstLine(error) };
  if (error instanceof RunError) return { kind: "run", message: error.message, file: error.file, what: error.what };
  return { kind: "internal", message: firstLine(error) };
}

export function fromWire(wire: WireError): Error {
  if (wire.kind === "usage") return new UsageError(wire.message);
  if (wire.kind === "run") return new RunError(wire.file!, wire.what!);
  return new Error(wire.message);
}
