// Builds the static site into dist/: the page and its two module workers (esbuild, ES2022),
// the styles (with xterm's and uPlot's), and index.html. Any static host can serve dist/.
import { copyFile, mkdir, rm } from "node:fs/promises";
import { build } from "esbuild";

const here = new URL("./", import.meta.url);
const dist = new URL("dist/", here);
await rm(dist, { recursive: true, force: true });
await mkdir(dist, { recursive: true });
await build({
  absWorkingDir: new URL(".", here).pathname,
  entryPoints: { main: "src/main.ts", "sim-worker": "src/sim-worker.ts", "shell-worker": "src/shell-worker.ts", styles: "src/styles.css" },
  outdir: "dist",
  bundle: true,
  format: "esm",
  platform: "browser",
  target: "es2022",
  minify: true,
  sourcemap: true,
  legalComments: "linked",
  logLevel: "warning",
});
await copyFile(new URL("public/index.html", here), new URL("index.html", dist));
