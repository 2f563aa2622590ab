// Goal: partition scans return items in sort-key order, honour prefix/start/end/reverse/limit,
// and page through everything exactly once with the opaque cursor.
// Method: in-process requests against the MemoryBackend; pages are walked to the end.
import { describe, expect, it } from 'vitest'
import { encodeScanCursor } from './scan-cursor.ts'
import { buildFixture, expectProblem, type Fixture } from './route-fixture.ts'

const base = '/v1/tables/alpha/partitions/p/items'

interface Page {
  items: Array<{ sortKey: string; value: string; version: number }>
  cursor: string | null
}

async function setup(): Promise<Fixture> {
  const f = buildFixture()
  await f.createTable('alpha')
  for (const sk of ['a1', 'a2', 'a3', 'b1', 'b2', 'c']) {
    await f.send('PUT', `${base}/${sk}`, { body: `v-${sk}` })
  }
  await f.send('PUT', '/v1/tables/alpha/partitions/other/items/a0', { body: 'x' })
  return f
}

async function page(f: Fixture, query: string): Promise<Page> {
  const response = await f.send('GET', `${base}?${query}`)
  expect(response.status).toBe(200)
  return (await response.json()) as Page
}

async function walk(f: Fixture, query: string): Promise<string[]> {
  const keys: string[] = []
  let cursor: string | null = null
  for (let pages = 0; pages < 20; pages++) {
    const next: Page = await page(f, cursor === null ? query : `${query}&cursor=${cursor}`)
    keys.push(...next.items.map((item) => item.sortKey))
    cursor = next.cursor
    if (cursor === null) return keys
  }
  throw new Error('scan did not end')
}

describe('scan', () => {
  it('scan: whole partition: sort-key order, base64 values, no other partition', async () => {
    const f = await setup()
    const result = await page(f, '')
    expect(result.items.map((i) => i.sortKey)).toEqual(['a1', 'a2', 'a3', 'b1', 'b2', 'c'])
    expect(Buffer.from(result.items[0]?.value ?? '', 'base64').toString()).toBe('v-a1')
    expect(result.cursor).toBeNull()
  })

  it('scan: prefix, start (inclusive) and end (exclusive)', async () => {
    const f = await setup()
    expect((await page(f, 'prefix=a')).items.map((i) => i.sortKey)).toEqual(['a1', 'a2', 'a3'])
    const range = await page(f, 'start=a2&end=b2')
    expect(range.items.map((i) => i.sortKey)).toEqual(['a2', 'a3', 'b1'])
  })

  it('scan: pages of 2 forward and reverse visit every item once, in order', async () => {
    const f = await setup()
    expect(await walk(f, 'limit=2')).toEqual(['a1', 'a2', 'a3', 'b1', 'b2', 'c'])
    expect(await walk(f, 'limit=2&reverse=true')).toEqual(['c', 'b2', 'b1', 'a3', 'a2', 'a1'])
    expect(await walk(f, 'limit=1&prefix=b&reverse=true')).toEqual(['b2', 'b1'])
  })

  it('scan: deleted items are skipped', async () => {
    const f = await setup()
    await f.send('DELETE', `${base}/a2`)
    expect(await walk(f, 'limit=1')).toEqual(['a1', 'a3', 'b1', 'b2', 'c'])
  })

  it('scan: bad parameters and foreign cursors: 400', async () => {
    const f = await setup()
    const reverseCursor = encodeScanCursor({ reverse: true, after: new Uint8Array([0x62]) })
    for (const query of [
      'limit=0',
      'limit=1001',
      'reverse=yes',
      'cursor=!!',
      'cursor=AA',
      'cursor=AgA',
      `cursor=${reverseCursor}`,
      'order=asc',
    ]) {
      await expectProblem(await f.send('GET', `${base}?${query}`), 400)
    }
  })

  it('scan: missing table: 404; a partition with no items: empty page', async () => {
    const f = await setup()
    await expectProblem(await f.send('GET', '/v1/tables/nope/partitions/p/items'), 404)
    const empty = await f.send('GET', '/v1/tables/alpha/partitions/none/items')
    expect(await empty.json()).toEqual({ items: [], cursor: null })
  })
})
