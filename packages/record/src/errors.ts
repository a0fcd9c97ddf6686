import type { RecordFormat } from "./types.js";

/** Corrupt, truncated or unrecognised record input: one line naming the format, where, and what. */
export class RecordFormatError extends Error {
  override readonly name = "RecordFormatError";
  constructor(
    readonly format: RecordFormat | "detect",
    readonly where: string,
    readonly problem: string,
  ) {
    super(`${format}: ${where}: ${problem}`.replace(/\s*\n\s*/g, " "));
  }
}

/** A readable record that a report cannot draw as asked (too short for the resolution, no such target). */
export class ReportError extends Error {
  override readonly name = "ReportError";
}
