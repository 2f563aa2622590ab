// CatalogState: create/drop semantics, ids from the creating index, and snapshots that
// round-trip and are byte-identical for replicas that applied the same entries.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { type CatalogCommand, CatalogState } from './catalog-state.ts'

function create(name: string): CatalogCommand {
  return {
    kind: 'create-table',
    name,
    ttlSeconds: null,
    maxVersions: 3,
    valueBytesMax: 1024,
    createdAtMs: 1000,
  }
}

describe('catalog state', () => {
  it('catalog state: create twice: second answers exists with the first table', () => {
    const state = new CatalogState()
    expect(state.apply(5, create('users')).kind).toBe('created')
    const second = state.apply(6, create('users'))
    expect(second).toMatchObject({ kind: 'exists', table: { id: 5 } })
  })
  it('catalog state: drop then re-create: gets a new id', () => {
    const state = new CatalogState()
    state.apply(5, create('users'))
    expect(state.apply(6, { kind: 'drop-table', name: 'users' }).kind).toBe('dropped')
    expect(state.apply(7, { kind: 'drop-table', name: 'users' }).kind).toBe('not-found')
    expect(state.apply(8, create('users'))).toMatchObject({ table: { id: 8 } })
    expect(state.byId(5)).toBeUndefined()
  })
  it('catalog state: any command sequence: snapshot round-trips byte for byte', () => {
    const command = fc.oneof(
      fc.constantFrom('a', 'b', 'c', 'd').map(create),
      fc
        .constantFrom('a', 'b', 'c', 'd')
        .map((name): CatalogCommand => ({ kind: 'drop-table', name })),
    )
    fc.assert(
      fc.property(fc.array(command, { maxLength: 30 }), (commands) => {
        const state = new CatalogState()
        commands.forEach((entry, i) => state.apply(i + 1, entry))
        const encoded = state.encode()
        const restored = CatalogState.decode(encoded)
        expect(restored.list()).toEqual(state.list())
        expect(restored.encode()).toEqual(encoded)
      }),
    )
  })
  it('catalog state: corrupt snapshot: corruption error', () => {
    expect(() => CatalogState.decode(new Uint8Array([9]))).toThrow(/unknown catalog format/)
    expect(() => CatalogState.decode(new Uint8Array([1, 1]))).toThrow(/truncated/)
  })
})
