// Without Chromium the browser tests are skipped with a message saying how to install it,
// except under CI=true, where a missing browser is a failure. Runs app.test.ts in a child
// vitest with CHROMIUM_PATH pointing nowhere, so it holds whether or not Chromium is here.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const appTests = (ci: string | undefined) => {
  const env: NodeJS.ProcessEnv = { ...process.env, CHROMIUM_PATH: "/nonexistent/chromium", NO_COLOR: "1" };
  if (ci === undefined) delete env.CI;
  else env.CI = ci;
  delete env.VITEST; // the child is a vitest run of its own
  const run = spawnSync("npx", ["vitest", "run", "--project", "web", "apps/web/src/app.test.ts"], { cwd: root, env, encoding: "utf8" });
  return { status: run.status, output: run.stdout + run.stderr };
};

describe("a machine without Chromium", () => {
  it("skips the browser tests with a message saying how to install it", () => {
    const { status, output } = appTests(undefined);
    expect(status, output).toBe(0);
    expect(output).toContain("web end-to-end tests skipped: no /nonexistent/chromium (apt-get install chromium)");
    expect(output).toMatch(/\d+ skipped/);
  });

  it("fails under CI=true", () => {
    const { status, output } = appTests("true");
    expect(status).not.toBe(0);
    expect(output).toContain("/nonexistent/chromium is missing: apt-get install chromium");
  });
});
