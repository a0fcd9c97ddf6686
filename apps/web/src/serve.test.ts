import { spawn } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serve } from "../serve.mjs";

const SERVE = fileURLToPath(new URL("../serve.mjs", import.meta.url));

describe("serve.mjs", () => {
  let root: string;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "damon-sim-serve-"));
    await mkdir(join(root, "sub"));
    await writeFile(join(root, "index.html"), "<!doctype html>");
    await writeFile(join(root, "main.js"), "export {};");
    await writeFile(join(root, "sub", "damon.wasm"), new Uint8Array([0, 97, 115, 109]));
  });

  afterAll(() => rm(root, { recursive: true, force: true }));

  it("sends the isolation headers and the right type on every response", async () => {
    const server = await serve({ root });
    try {
      for (const [path, status, type] of [
        ["", 200, "text/html; charset=utf-8"],
        ["main.js", 200, "text/javascript; charset=utf-8"],
        ["sub/damon.wasm", 200, "application/wasm"],
        ["missing.js", 404, "text/plain; charset=utf-8"],
        ["..%2f..%2fetc%2fpasswd", 403, "text/plain; charset=utf-8"],
      ] as const) {
        const response = await fetch(server.url + path);
        expect([path, response.status, response.headers.get("content-type")]).toEqual([path, status, type]);
        expect(response.headers.get("cross-origin-opener-policy")).toBe("same-origin");
        expect(response.headers.get("cross-origin-embedder-policy")).toBe("require-corp");
      }
      expect(new Uint8Array(await (await fetch(`${server.url}sub/damon.wasm`)).arrayBuffer())).toEqual(new Uint8Array([0, 97, 115, 109]));
      expect((await fetch(server.url, { method: "POST" })).status).toBe(405);
    } finally {
      await server.close();
    }
  });

  it("leaves the headers out with isolate: false, like a plain static host", async () => {
    const server = await serve({ root, isolate: false });
    try {
      const response = await fetch(server.url);
      expect(response.status).toBe(200);
      expect(response.headers.get("cross-origin-opener-policy")).toBeNull();
      expect(response.headers.get("cross-origin-embedder-policy")).toBeNull();
    } finally {
      await server.close();
    }
  });

  it("as a command, prints its URL and exits cleanly on SIGTERM", async () => {
    const child = spawn(process.execPath, [SERVE, "--port", "0", "--no-isolate"], { stdio: ["ignore", "pipe", "pipe"] });
    const line = await new Promise<string>((resolve, reject) => {
      let out = "";
      child.stdout.on("data", (chunk: Buffer) => {
        out += chunk;
        if (out.includes("\n")) resolve(out);
      });
      child.stderr.on("data", (chunk: Buffer) => reject(new Error(String(chunk))));
    });
    const url = /http:\/\/127\.0\.0\.1:\d+\//.exec(line)?.[0];
    expect(line).toMatch(/not isolated/);
    expect((await fetch(url!)).headers.get("cross-origin-embedder-policy")).toBeNull();
    const exit = new Promise<number | null>((resolve) => child.on("exit", resolve));
    child.kill("SIGTERM");
    expect(await exit).toBe(0);
  });

  it("rejects a bad port with exit 2 and one line", async () => {
    const child = spawn(process.execPath, [SERVE, "--port", "http"], { stdio: ["ignore", "pipe", "pipe"] });
    let err = "";
    child.stderr.on("data", (chunk: Buffer) => (err += chunk));
    expect(await new Promise((resolve) => child.on("exit", resolve))).toBe(2);
    expect(err.trim().split("\n")).toHaveLength(1);
  });
});
