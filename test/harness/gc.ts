/**
 * Garbage collections on demand, for tests that check what stays reachable: V8's --expose-gc
 * set at run time, then a fresh context that sees `gc`. `minorGc` runs a scavenge only, which
 * treats every old-generation slot pointing at a young object as live (dead or not): what
 * such a slot still references survives, and after two scavenges it is in the old generation
 * (watch `oldGenerationBytes`). WeakRefs cannot show it: only a full GC clears them.
 */
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

type GcFunction = (options?: { type: 'minor' }) => void

let gc: GcFunction | null = null

function exposed(): GcFunction {
  if (gc === null) {
    setFlagsFromString('--expose-gc')
    gc = runInNewContext('gc') as GcFunction
  }
  return gc
}

/** A full GC (no argument: Node 20's V8 runs a scavenge for `{ type: 'major' }`). */
export function fullGc(): void {
  exposed()()
}

export function minorGc(): void {
  exposed()({ type: 'minor' })
}

/** Bytes in use in V8's old generation (old space plus large objects). */
export function oldGenerationBytes(): number {
  let bytes = 0
  for (const space of getHeapSpaceStatistics()) {
    if (space.space_name === 'old_space' || space.space_name === 'large_object_space') {
      bytes += space.space_used_size
    }
  }
  return bytes
}

/** A linked chain of `count` small objects (~32 bytes each): a young payload to watch. */
export function youngPayload(count: number): object {
  let head: { next: object | null; value: number } = { next: null, value: 0 }
  for (let i = 1; i < count; i++) head = { next: head, value: i }
  return head
}

/** A keyed structure under test: `add` stores something that holds `payload`. */
export interface KeyedHolder {
  add(key: number, payload: object | null): void
  remove(key: number): void
}

/**
 * How many bytes the old generation grew by over two scavenges after the entry that held a
 * young payload of `payloadObjects` objects was removed, from a structure whose first backing
 * table was already in the old generation and that then outgrew it: the case where a Map keeps
 * a removed value alive until the next full GC.
 */
export function promotedAfterRemoval(holder: KeyedHolder, payloadObjects: number): number {
  holder.add(1, null)
  fullGc() // the structure and its backing table are now in the old generation
  holder.add(2, youngPayload(payloadObjects))
  for (let key = 3; key < 40; key++) holder.add(key, null) // outgrows the table
  holder.remove(2)
  const before = oldGenerationBytes()
  minorGc()
  minorGc() // what survived the first scavenge is promoted by the second
  return oldGenerationBytes() - before
}
