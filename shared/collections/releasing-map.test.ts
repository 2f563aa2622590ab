// Goal: a ReleasingMap behaves as a Map for its users, and a removed entry leaves nothing an
// old backing table can keep alive. Method: the map's table is moved to the old generation by a
// full GC, an entry holding a young payload (~2 MB of small objects) is added, the map
// outgrows its table, the entry is removed, and after two scavenges (which keep whatever an old
// table points to) the old generation must not have grown by the payload. With a plain Map in
// its place the same steps promote the payload (checked below, so the method is known to see
// it).
import { describe, expect, it } from 'vitest'
import { promotedAfterRemoval, type KeyedHolder } from '../../test/harness/gc.ts'
import { ReleasingMap } from './releasing-map.ts'

const payloadObjects = 60_000
/** The payload is ~32 bytes per object; kept, it shows as at least ~0.6 MB promoted. */
const keptBytes = payloadObjects * 16

/** A map under test as a KeyedHolder: `remove` is how an entry leaves it. */
function holder<M extends { set(key: number, value: unknown): void }>(
  map: M,
  remove: (map: M, key: number) => void,
): KeyedHolder {
  return { add: (key, payload) => map.set(key, { payload }), remove: (key) => remove(map, key) }
}

describe('releasing map', () => {
  it('releasing map: set, get, has, take, delete, values, keys, takeAll', () => {
    const map = new ReleasingMap<string, number>()
    map.set('a', 1)
    map.set('b', 2)
    map.set('a', 3)
    expect([map.size, map.get('a'), map.has('b'), map.has('c')]).toEqual([2, 3, true, false])
    expect(map.values()).toEqual([3, 2])
    expect([...map.keys()]).toEqual(['a', 'b'])
    expect(map.take('a')).toBe(3)
    expect(map.take('a')).toBeUndefined()
    expect(map.delete('b')).toBe(true)
    expect(map.delete('b')).toBe(false)
    map.set('c', 4)
    map.set('d', 5)
    expect(map.takeAll()).toEqual([4, 5])
    expect(map.size).toBe(0)
  })

  it('releasing map: a plain Map keeps a removed entry alive through scavenges', () => {
    const map = new Map<number, unknown>()
    const promoted = promotedAfterRemoval(
      holder(map, (m, key) => m.delete(key)),
      payloadObjects,
    )
    expect(promoted).toBeGreaterThan(keptBytes)
  })

  type Remove = (map: ReleasingMap<number, unknown>, key: number) => void
  const removals: Array<[string, Remove]> = [
    ['take', (map, key) => void map.take(key)],
    ['delete', (map, key) => void map.delete(key)],
    ['takeAll', (map) => void map.takeAll()],
  ]
  it.each(removals)('releasing map: after %s, a scavenge frees the removed value', (_, remove) => {
    const map = new ReleasingMap<number, unknown>()
    const promoted = promotedAfterRemoval(holder(map, remove), payloadObjects)
    expect(promoted).toBeLessThan(payloadObjects * 8) // noise is ~0.25 MB
  })
})
