import { project } from "../../vitest.shared.ts";

export default project("core", { setupFiles: ["../../tools/test-runner/fast-check-seed.ts"] });
