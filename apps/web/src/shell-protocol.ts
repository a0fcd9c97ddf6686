// Messages between the terminal and the shell worker.

export type ToShell = { type: "start"; seed: number } | { type: "line"; line: string };

export type FromShell =
  | { type: "ready"; cwd: string; version: string }
  | { type: "output"; text: string; stream: "stdout" | "stderr" }
  | { type: "done"; cwd: string; status: number };
