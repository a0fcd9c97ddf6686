import { defineProject } from "vitest/config";

export default defineProject({
  test: { name: "core", environment: "node", setupFiles: ["../../tools/test-runner/fast-check-seed.ts"] },
});
