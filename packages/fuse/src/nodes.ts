// Node ids <-> paths. Ids are never reused, so a path keeps its id for the life of the mount
// (the kernel may still hold an id after the path is gone; it then simply gets ENOENT).
import { ROOT_ID } from "./abi.js";

export class NodeTable {
  readonly #paths = new Map<number, string>([[ROOT_ID, "/"]]);
  readonly #ids = new Map<string, number>([["/", ROOT_ID]]);
  #next = ROOT_ID + 1;

  path(id: number): string | undefined {
    return this.#paths.get(id);
  }

  idOf(path: string): number {
    let id = this.#ids.get(path);
    if (id === undefined) {
      id = this.#next++;
      this.#ids.set(path, id);
      this.#paths.set(id, path);
    }
    return id;
  }
}

export function childPath(parent: string, name: string): string {
  return parent === "/" ? `/${name}` : `${parent}/${name}`;
}

export function parentPath(path: string): string {
  return path.slice(0, Math.max(1, path.lastIndexOf("/")));
}
