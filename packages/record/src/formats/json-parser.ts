import { RecordFormatError } from "../errors.js";

/** A JSON number kept as its text, so that precision is checked where it is used. */
export class JsonNumber {
  constructor(readonly raw: string) {}
}

export type JsonAny = null | boolean | string | JsonNumber | JsonAny[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonAny;
}

/** Events of a damo records file: an array of record objects, each with a "snapshots" array. */
export interface RecordsHandler {
  recordStart(): void;
  /** A record key other than "snapshots", with its whole value. */
  recordField(key: string, value: JsonAny): void;
  /** The current record's "snapshots" list begins. */
  snapshotsStart(): void;
  /** One element of the current record's "snapshots", as soon as it is complete. */
  snapshot(value: JsonAny): void;
  recordEnd(): void;
}

type Frame =
  | { kind: "top" }
  | { kind: "record"; key: string | null }
  | { kind: "snapshots" }
  | { kind: "array"; value: JsonAny[] }
  | { kind: "object"; value: JsonObject; key: string | null };

type Expect = "start" | "value" | "valueOrClose" | "keyOrClose" | "key" | "colon" | "commaOrClose" | "done";

const NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
const WORDS: Record<string, JsonAny> = { true: true, false: false, null: null };

/** Characters of numbers and literals: [-+.0-9A-Za-z_]. */
function isWordChar(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x2d || c === 0x2b || c === 0x2e || c === 0x5f;
}

/**
 * A push parser for damo's records json: text goes in chunk by chunk, every record key and
 * every snapshot comes out as soon as it is complete, so memory holds one snapshot at most.
 */
export class RecordsJsonParser {
  private readonly stack: Frame[] = [];
  private expect: Expect = "start";
  private rest = "";
  private consumed = 0;
  private line = 1;
  private lineStart = 0;

  constructor(
    private readonly format: "json" | "json_compressed",
    private readonly handler: RecordsHandler,
  ) {}

  feed(text: string): void {
    const buf = this.rest + text;
    const base = this.consumed;
    let i = 0;
    const n = buf.length;
    outer: while (i < n) {
      const c = buf.charCodeAt(i);
      if (c === 0x20 || c === 0x09 || c === 0x0d) {
        i++;
        continue;
      }
      if (c === 0x0a) {
        i++;
        this.line++;
        this.lineStart = base + i;
        continue;
      }
      const at = base + i;
      switch (c) {
        case 0x7b: // {
        case 0x5b: // [
          this.open(c === 0x7b, at);
          i++;
          continue;
        case 0x7d: // }
        case 0x5d: // ]
          this.close(c === 0x7d, at);
          i++;
          continue;
        case 0x3a: // :
          if (this.expect !== "colon") this.fail(at, "unexpected ':'");
          this.expect = "value";
          i++;
          continue;
        case 0x2c: // ,
          if (this.expect !== "commaOrClose") this.fail(at, "unexpected ','");
          this.expect = this.top().kind === "object" || this.top().kind === "record" ? "key" : "value";
          i++;
          continue;
        case 0x22: {
          // "
          let j = i + 1;
          let escaped = false;
          for (;;) {
            if (j >= n) break outer;
            const d = buf.charCodeAt(j);
            if (d === 0x22) break;
            if (d === 0x5c) {
              escaped = true;
              j += 2;
              continue;
            }
            if (d < 0x20) this.fail(base + j, "control character in a string");
            j++;
          }
          this.string(escaped ? this.unescape(buf.slice(i, j + 1), at) : buf.slice(i + 1, j), at);
          i = j + 1;
          continue;
        }
        default: {
          let j = i;
          while (j < n && isWordChar(buf.charCodeAt(j))) j++;
          if (j === i) this.fail(at, `unexpected character '${buf[i]}'`);
          if (j === n) break outer; // the token may go on in the next chunk
          this.scalar(buf.slice(i, j), at);
          i = j;
        }
      }
    }
    this.rest = buf.slice(i);
    this.consumed = base + i;
  }

  /** The input ended: anything open is a truncation. */
  end(): void {
    const word = this.rest.trim();
    if (word.startsWith('"')) this.fail(this.consumed, "truncated inside a string");
    if (word.length > 0) this.scalar(word, this.consumed);
    if (this.expect === "start") this.fail(this.consumed, "empty input");
    if (this.expect !== "done") this.fail(this.consumed, `truncated: ${this.stack.length} unclosed array(s)/object(s)`);
  }

  private top(): Frame {
    return this.stack[this.stack.length - 1];
  }

  private open(isObject: boolean, at: number): void {
    if (this.expect === "start") {
      if (isObject) this.fail(at, "the file must be a json array of records, found an object");
      this.stack.push({ kind: "top" });
      this.expect = "valueOrClose";
      return;
    }
    if (this.expect !== "value" && this.expect !== "valueOrClose") this.fail(at, `unexpected '${isObject ? "{" : "["}'`);
    const parent = this.top();
    if (parent.kind === "top") {
      if (!isObject) this.fail(at, "each record must be an object, found an array");
      this.stack.push({ kind: "record", key: null });
      this.handler.recordStart();
      this.expect = "keyOrClose";
      return;
    }
    if (parent.kind === "record" && parent.key === "snapshots") {
      if (isObject) this.fail(at, "'snapshots' must be an array");
      this.stack.push({ kind: "snapshots" });
      this.handler.snapshotsStart();
      this.expect = "valueOrClose";
      return;
    }
    if (isObject) {
      this.stack.push({ kind: "object", value: Object.create(null) as JsonObject, key: null });
      this.expect = "keyOrClose";
    } else {
      this.stack.push({ kind: "array", value: [] });
      this.expect = "valueOrClose";
    }
  }

  private close(isObject: boolean, at: number): void {
    const frame = this.top();
    const closesObject = frame?.kind === "object" || frame?.kind === "record";
    const allowed = isObject ? this.expect === "keyOrClose" || this.expect === "commaOrClose" : this.expect === "valueOrClose" || this.expect === "commaOrClose";
    if (!frame || !allowed || closesObject !== isObject) this.fail(at, `unexpected '${isObject ? "}" : "]"}'`);
    this.stack.pop();
    switch (frame.kind) {
      case "top":
        this.expect = "done";
        return;
      case "record":
        this.handler.recordEnd();
        this.expect = "commaOrClose";
        return;
      case "snapshots":
        (this.top() as { key: string | null }).key = null;
        this.expect = "commaOrClose";
        return;
      default:
        this.complete(frame.value, at);
    }
  }

  private string(value: string, at: number): void {
    if (this.expect === "keyOrClose" || this.expect === "key") {
      (this.top() as { key: string | null }).key = value;
      this.expect = "colon";
      return;
    }
    this.value(value, at);
  }

  private scalar(word: string, at: number): void {
    if (word in WORDS) this.value(WORDS[word], at);
    else if (NUMBER.test(word)) this.value(new JsonNumber(word), at);
    else this.fail(at, `unexpected '${word.slice(0, 20)}'`);
  }

  private value(value: JsonAny, at: number): void {
    if (this.expect === "start") this.fail(at, "the file must be a json array of records");
    if (this.expect !== "value" && this.expect !== "valueOrClose") this.fail(at, "unexpected value");
    const parent = this.top();
    if (parent.kind === "top") this.fail(at, "each record must be an object");
    if (parent.kind === "record" && parent.key === "snapshots") this.fail(at, "'snapshots' must be an array");
    this.complete(value, at);
  }

  private complete(value: JsonAny, at: number): void {
    const parent = this.top();
    switch (parent.kind) {
      case "record":
        this.handler.recordField(parent.key!, value);
        break;
      case "snapshots":
        this.handler.snapshot(value);
        break;
      case "array":
        parent.value.push(value);
        break;
      case "object":
        parent.value[parent.key!] = value;
        break;
      default:
        this.fail(at, "unexpected value");
    }
    this.expect = "commaOrClose";
  }

  private unescape(quoted: string, at: number): string {
    try {
      return JSON.parse(quoted) as string;
    } catch {
      return this.fail(at, "bad escape in a string");
    }
  }

  private fail(at: number, problem: string): never {
    throw new RecordFormatError(this.format, `line ${this.line}, column ${at - this.lineStart + 1}`, problem);
  }
}
