import {
  IChanges,
  IDeltaMessage,
  IJob,
  INode,
  IPartition,
  ISnapshotMessage,
  decodeJobs
} from './api';

/** Everything the model knows of the scheduler, keyed for cheap deltas. */
export interface ISchedulerState {
  version: number;
  updatedAt: number;
  stale: boolean;
  error: string | null;
  unreachableSince: number | null;
  jobs: Map<string, IJob>;
  nodes: Map<string, INode>;
  partitions: Map<string, IPartition>;
}

function keyed<T>(records: T[], key: (record: T) => string): Map<string, T> {
  return new Map(records.map(r => [key(r), r]));
}

export function stateFromSnapshot(message: ISnapshotMessage): ISchedulerState {
  return {
    version: message.version,
    updatedAt: message.updated_at,
    stale: message.stale,
    error: message.error,
    unreachableSince: message.unreachable_since,
    jobs: keyed(decodeJobs(message.jobs), j => j.id),
    nodes: keyed(message.nodes, n => n.name),
    partitions: keyed(message.partitions, p => p.name)
  };
}

function applyChanges<T>(
  records: Map<string, T>,
  changes: IChanges<T>,
  key: (record: T) => string
): Map<string, T> {
  if (changes.upsert.length === 0 && changes.remove.length === 0) {
    return records; // same object: views can tell nothing changed
  }
  const next = new Map(records);
  for (const k of changes.remove) {
    next.delete(k);
  }
  for (const record of changes.upsert) {
    next.set(key(record), record);
  }
  return next;
}

/**
 * The state after a delta, or null when the delta does not follow this state
 * (a missed message): the caller then asks for a full snapshot.
 */
export function applyDelta(
  state: ISchedulerState,
  delta: IDeltaMessage
): ISchedulerState | null {
  if (delta.from !== state.version) {
    return null;
  }
  return {
    version: delta.version,
    updatedAt: delta.updated_at,
    stale: delta.stale,
    error: delta.error,
    unreachableSince: delta.unreachable_since,
    jobs: applyChanges(
      state.jobs,
      { upsert: decodeJobs(delta.jobs.upsert), remove: delta.jobs.remove },
      j => j.id
    ),
    nodes: applyChanges(state.nodes, delta.nodes, n => n.name),
    partitions: applyChanges(state.partitions, delta.partitions, p => p.name)
  };
}
