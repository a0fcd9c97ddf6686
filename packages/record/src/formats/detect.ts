import { RecordFormatError } from "../errors.js";
import type { RecordFormat } from "../types.js";
import { BINARY_MAGIC } from "./binary.js";
import { isPerfScriptLine } from "./perf-script.js";

/** How many leading bytes `detectFormat` wants to see. */
export const DETECT_BYTES = 4096;

/** RFC 1950 header: deflate method, window <= 32 KiB, check bits, no preset dictionary. */
function isZlibHeader(b0: number, b1: number): boolean {
  return (b0 & 0x0f) === 8 && b0 >> 4 <= 7 && ((b0 << 8) | b1) % 31 === 0 && (b1 & 0x20) === 0;
}

/** Tell the format from the first bytes (up to DETECT_BYTES) by content, not by name. */
export function detectFormat(head: Uint8Array): RecordFormat {
  if (head.length === 0) throw new RecordFormatError("detect", "offset 0", "empty input");
  if (startsWith(head, BINARY_MAGIC)) return "binary_v2";
  const text = new TextDecoder("latin1").decode(head);
  const first = text.search(/\S/);
  if (first >= 0 && (text[first] === "[" || text[first] === "{")) return "json";
  if (head.length >= 2 && isZlibHeader(head[0], head[1])) return "json_compressed";
  const line = text.split("\n").find((l) => l.trim() !== "");
  if (line !== undefined && isPerfScriptLine(line)) return "perf_script";
  const shown = Array.from(head.subarray(0, 8), (b) => b.toString(16).padStart(2, "0")).join(" ");
  throw new RecordFormatError("detect", "offset 0", `not a damo record (no binary magic, JSON, zlib header or perf script line; starts ${shown})`);
}

function startsWith(bytes: Uint8Array, prefix: Uint8Array): boolean {
  return bytes.length >= prefix.length && prefix.every((b, i) => bytes[i] === b);
}
