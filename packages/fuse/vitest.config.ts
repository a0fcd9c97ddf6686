import { defineProject } from "vitest/config";

export default defineProject({ test: { name: "fuse", environment: "node" } });
