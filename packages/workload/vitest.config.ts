import { defineProject } from "vitest/config";

export default defineProject({ test: { name: "workload", environment: "node" } });
