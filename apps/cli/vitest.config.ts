import { defineProject } from "vitest/config";

// Each test spawns the CLI (a few hundred ms per start), so allow more than the default 5 s.
export default defineProject({ test: { name: "cli", environment: "node", testTimeout: 30_000 } });
