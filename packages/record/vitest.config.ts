import { defineProject } from "vitest/config";

export default defineProject({
  test: { name: "record", environment: "node", setupFiles: ["../../tools/test-runner/fast-check-seed.ts"] },
});
