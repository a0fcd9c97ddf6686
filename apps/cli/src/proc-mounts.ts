import { readFileSync } from "node:fs";

export interface Mount {
  point: string;
  type: string;
}

/** /proc/mounts' mount points and types, with the kernel's octal escapes (\040) undone. */
export function parseMounts(text: string): Mount[] {
  const unescape = (s: string) => s.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
  return text
    .split("\n")
    .map((line) => line.split(" "))
    .filter((f) => f.length >= 3)
    .map(([, point, type]) => ({ point: unescape(point), type }));
}

/** This process's mounts, in /proc/mounts order (empty where there is no /proc). */
export function readMounts(): Mount[] {
  try {
    return parseMounts(readFileSync("/proc/self/mounts", "utf8"));
  } catch {
    return [];
  }
}
