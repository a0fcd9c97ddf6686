// Serves the built site (dist/) on 127.0.0.1, builds nothing.
//   node apps/web/serve.mjs [--port N] [--no-isolate]
// Every response carries COOP same-origin + COEP require-corp, which make the page
// cross-origin isolated (shared memory between the page and its workers); --no-isolate
// leaves them out, as a plain static host would, and the app falls back to messages.
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { createServer } from "node:http";
import { extname, join, normalize, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const DIST = fileURLToPath(new URL("./dist/", import.meta.url));

const MIME = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".map": "application/json",
  ".wasm": "application/wasm",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".txt": "text/plain; charset=utf-8",
};

export const ISOLATION_HEADERS = {
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Embedder-Policy": "require-corp",
};

/**
 * Starts the server; resolves once listening. Port 0 picks a free port.
 * @param {{ root?: string, port?: number, isolate?: boolean }} [options]
 * @returns {Promise<{ url: string, port: number, close(): Promise<void> }>}
 */
export async function serve({ root = DIST, port = 0, isolate = true } = {}) {
  const base = normalize(root.endsWith(sep) ? root : root + sep);
  const server = createServer(async (request, response) => {
    const headers = { "Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff", ...(isolate ? ISOLATION_HEADERS : {}) };
    const send = (status, text) => {
      response.writeHead(status, { ...headers, "Content-Type": "text/plain; charset=utf-8" });
      response.end(text);
    };
    if (request.method !== "GET" && request.method !== "HEAD") return send(405, "method not allowed\n");
    let path;
    try {
      path = decodeURIComponent(new URL(request.url ?? "/", "http://localhost").pathname);
    } catch {
      return send(400, "bad request\n");
    }
    if (path.endsWith("/")) path += "index.html";
    const file = normalize(join(base, path));
    if (!file.startsWith(base)) return send(403, "forbidden\n");
    const info = await stat(file).catch(() => null);
    if (!info?.isFile()) return send(404, "not found\n");
    response.writeHead(200, {
      ...headers,
      "Content-Type": MIME[extname(file)] ?? "application/octet-stream",
      "Content-Length": info.size,
    });
    if (request.method === "HEAD") return response.end();
    createReadStream(file).pipe(response);
  });
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", resolve);
  });
  const actual = server.address().port;
  return {
    url: `http://127.0.0.1:${actual}/`,
    port: actual,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function main() {
  let values;
  try {
    ({ values } = parseArgs({ options: { port: { type: "string", default: "8080" }, "no-isolate": { type: "boolean", default: false }, help: { type: "boolean", short: "h" } } }));
  } catch (error) {
    process.stderr.write(`serve: ${error.message.split("\n")[0]}\n`);
    process.exit(2);
  }
  if (values.help) {
    process.stdout.write("Usage: node apps/web/serve.mjs [--port N] [--no-isolate]\nServes apps/web/dist (build it first: npm run build).\n");
    return;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`serve: --port must be 0..65535, got '${values.port}'\n`);
    process.exit(2);
  }
  if (!(await stat(join(DIST, "index.html")).catch(() => null))) {
    process.stderr.write("serve: apps/web/dist has no build; run npm run build first\n");
    process.exit(1);
  }
  const isolate = !values["no-isolate"];
  let server;
  try {
    server = await serve({ port, isolate });
  } catch (error) {
    process.stderr.write(`serve: cannot listen on 127.0.0.1:${port}: ${error.code ?? error.message}\n`);
    process.exit(1);
  }
  process.stdout.write(`damon-sim web: ${server.url} (${isolate ? "cross-origin isolated" : "not isolated: --no-isolate"}); Ctrl-C stops\n`);
  const stop = () => void server.close().then(() => process.exit(0));
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === normalize(process.argv[1])) await main();
