import { project } from "../../vitest.shared.ts";

export default project("record", { setupFiles: ["../../tools/test-runner/fast-check-seed.ts"] });
