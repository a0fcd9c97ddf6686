import { targetKey } from "./numbers.js";
import type { RecordIntervals, RecordMeta, RecordMetaInput, RecordTargetMeta, TargetId } from "./types.js";

/** What damo assumes for a record whose file says nothing more than the target id. */
export function defaultTargetMeta(id: TargetId, intervals: RecordIntervals | null = null): RecordTargetMeta {
  return { id, kdamondIdx: null, contextIdx: null, schemeIdx: null, intervals, schemeFilters: [], dataSource: "unknown" };
}

/** The writer's view of a target: what the caller gave for it, defaults for the rest. */
export function targetMetaFrom(input: RecordMetaInput | undefined, id: TargetId): RecordTargetMeta {
  const given = input?.targets?.find((t) => targetKey(t.id) === targetKey(id)) ?? {};
  const set = Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined)) as Partial<RecordTargetMeta>;
  return { ...defaultTargetMeta(id, input?.intervals ?? null), ...set, id };
}

/** The meta entry for a target, adding a default one for targets first seen in the snapshots. */
export function metaEntry(meta: RecordMeta, id: TargetId): RecordTargetMeta {
  const key = targetKey(id);
  let entry = meta.targets.find((t) => targetKey(t.id) === key);
  if (!entry) meta.targets.push((entry = defaultTargetMeta(id)));
  return entry;
}
