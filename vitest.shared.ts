import { defineProject } from "vitest/config";
import type { InlineConfig } from "vitest/node";

/**
 * A workspace project's vitest config: its name plus what every project shares. The
 * timeouts are generous because CI has two cores and runs the projects side by side, so a
 * test that takes 2 s alone can take 6 s there; speed is measured by `npm run bench`.
 */
export function project(name: string, test: InlineConfig = {}) {
  return defineProject({ test: { name, environment: "node", testTimeout: 30_000, hookTimeout: 120_000, ...test } });
}
