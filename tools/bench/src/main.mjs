// npm run bench [-- --json] [-- --scale X]
// Every ratio below is measured in this one run on this machine.
import { parseArgs } from "node:util";
import { BASE_ITERS, benchAggregation, benchSampling, checks, GIB, TIB } from "./passes.mjs";
import { runNative } from "./native.mjs";
import { benchBrowser } from "./browser.mjs";
import { benchWorkloads } from "./workload.mjs";

let values;
try {
  ({ values } = parseArgs({
    options: {
      json: { type: "boolean" },
      scale: { type: "string", default: "1" },
      help: { type: "boolean", short: "h" },
    },
  }));
} catch (error) {
  process.stderr.write(`bench: ${error.message.split("\n")[0]}\n`);
  process.exit(2);
}
if (values.help) {
  process.stdout.write(`Usage: npm run bench [-- --json] [-- --scale X]

Measures ns per region of DAMON's sampling pass (prepare + check) and aggregation pass
(merge + reset/split) for wasm, the TS reference and native C (built with cc -O2), and the
cost of a sample over 1 TiB versus 1 GiB of mapped memory. --scale shrinks the iteration
counts (quick runs); --json ends the output with one JSON line of results and ratios.
browser_vs_node: the web app's simulation worker in headless Chromium vs the same file in a
Node worker thread, the same seeded session, best of 5 alternating runs of 20 virtual minutes.
`);
  process.exit(0);
}
const scale = Number(values.scale);
if (!(scale > 0)) {
  process.stderr.write(`bench: --scale must be a positive number\n`);
  process.exit(2);
}
const log = (line) => process.stderr.write(`${line}\n`);
const iters = (base, n, impl) => Math.max(1, Math.round((base / n) * scale * (impl === "reference" ? 0.25 : 1)));

log(`damon-sim bench (scale ${scale}); ns per region, best of 5`);
const results = { sampling: {}, aggregation: {} };
const native = runNative(scale);
if (native.skipped) log(`native C: skipped, ${native.skipped}`);
const nativeOf = (pass, n, mapped) =>
  native.lines?.find((l) => l.pass === pass && l.regions === n && l.mapped === mapped)?.ns_per_region;

const rows = [];
for (const [pass, n, mapped, base] of [
  ["sampling", 10, GIB, BASE_ITERS.sampling1g],
  ["sampling", 100, GIB, BASE_ITERS.sampling1g],
  ["sampling", 1000, GIB, BASE_ITERS.sampling1g],
  ["sampling", 1000, TIB, BASE_ITERS.sampling1t],
  ["aggregation", 10, GIB, BASE_ITERS.aggregation],
  ["aggregation", 100, GIB, BASE_ITERS.aggregation],
  ["aggregation", 1000, GIB, BASE_ITERS.aggregation],
]) {
  const run = pass === "sampling" ? benchSampling : benchAggregation;
  const wasm = run("wasm", n, mapped, iters(base, n, "wasm"));
  const reference = run("reference", n, mapped, iters(base, n, "reference"));
  const c = nativeOf(pass, n, mapped) ?? null;
  const key = `${n}@${mapped === TIB ? "1TiB" : "1GiB"}`;
  results[pass][key] = { wasm, ts: reference, native: c };
  rows.push([pass, n, mapped === TIB ? "1 TiB" : "1 GiB", wasm, reference, c]);
  log(
    `${pass.padEnd(12)} ${String(n).padStart(5)} regions ${mapped === TIB ? "1 TiB" : "1 GiB"}  wasm ${wasm.toFixed(2).padStart(7)}  ts ${reference.toFixed(2).padStart(7)}  native ${c === null ? "    n/a" : c.toFixed(2).padStart(7)}  ts/wasm ${(reference / wasm).toFixed(2)}x`,
  );
}

const wasmChecks = checks("wasm");
const nativeChecks = {
  sampling: native.lines?.find((l) => l.check === "sampling")?.hash,
  aggregation: native.lines?.find((l) => l.check === "aggregation")?.hash,
};
const faithful = native.lines ? nativeChecks.sampling === wasmChecks.sampling && nativeChecks.aggregation === wasmChecks.aggregation : null;
if (faithful === false) log(`WARNING: the native port diverged from wasm (${JSON.stringify({ wasmChecks, nativeChecks })})`);

const at = (pass, key, impl) => results[pass][key][impl];
const ratios = {
  wasm_vs_ts_sampling: at("sampling", "1000@1GiB", "ts") / at("sampling", "1000@1GiB", "wasm"),
  wasm_vs_ts_aggregation: at("aggregation", "1000@1GiB", "ts") / at("aggregation", "1000@1GiB", "wasm"),
  wasm_vs_native_sampling: native.lines ? at("sampling", "1000@1GiB", "native") / at("sampling", "1000@1GiB", "wasm") : null,
  wasm_vs_native_aggregation: native.lines ? at("aggregation", "1000@1GiB", "native") / at("aggregation", "1000@1GiB", "wasm") : null,
  scale_1tib_vs_1gib: at("sampling", "1000@1TiB", "wasm") / at("sampling", "1000@1GiB", "wasm"),
};
log("");
log(`wasm vs TS reference:  sampling ${ratios.wasm_vs_ts_sampling.toFixed(2)}x faster, aggregation ${ratios.wasm_vs_ts_aggregation.toFixed(2)}x faster (1000 regions)`);
if (native.lines) {
  log(`wasm vs native C:      sampling ${ratios.wasm_vs_native_sampling.toFixed(2)}x native speed, aggregation ${ratios.wasm_vs_native_aggregation.toFixed(2)}x (1 = as fast as C)`);
  log(`native port faithful:  ${faithful ? "yes (identical region tables)" : "NO"}`);
}
log(`1 TiB vs 1 GiB mapped: a sample costs ${ratios.scale_1tib_vs_1gib.toFixed(2)}x as much (1000 regions)`);

log("");
log("workloads:");
const workloads = await benchWorkloads({ scale, log: (line) => log(`  ${line}`) });
Object.assign(ratios, workloads);

log("");
const browser = await benchBrowser({ scale, log });
if (browser.browser_vs_node !== null) {
  log(`browser: the same session takes ${browser.browser_vs_node.toFixed(2)}x as long in Chromium as in Node (${browser.browser_app_vs_node.toFixed(2)}x in the app page, drawing live)`);
  if (!browser.identical) log("WARNING: Chromium's record differs from Node's");
}
ratios.browser_vs_node = browser.browser_vs_node;
ratios.browser_app_vs_node = browser.browser_app_vs_node ?? null;
ratios.browser_vs_node_end_to_end = browser.browser_vs_node_end_to_end ?? null;
ratios.browser_node_identical = browser.identical ?? null;
if (values.json) {
  process.stdout.write(`${JSON.stringify({ ...ratios, native_faithful: faithful, scale, results })}\n`);
}
