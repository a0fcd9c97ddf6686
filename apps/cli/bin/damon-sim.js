#!/usr/bin/env node
// The bin is this committed file rather than the bundle, so that `npm ci` links it into
// node_modules/.bin before anything is built (npm skips a bin whose target is missing).
const bundle = new URL("../dist/cli.js", import.meta.url);
try {
  await import(bundle.href);
} catch (error) {
  if (error?.code !== "ERR_MODULE_NOT_FOUND" || !String(error.message).includes(bundle.pathname)) throw error;
  process.stderr.write("damon-sim: the CLI is not built yet: run `npm run build` at the repository root\n");
  process.exitCode = 1;
}
