import { project } from "../../vitest.shared.ts";

// Each test starts a simulated machine and runs python3 damo in it: allow for two busy cores.
export default project("damo-e2e", { testTimeout: 120_000 });
