import { defineProject } from "vitest/config";

export default defineProject({ test: { name: "dbgfs", environment: "node" } });
