// Goal: freePort never hands one process the same port twice while callers have not bound them
// yet (an etcd cluster once got one peer port for two members). Method: many calls in a row,
// none binding its port; every port must differ and be bindable.
import { describe, expect, it } from 'vitest'
import { freePort } from './processes.ts'

describe('freePort', () => {
  it('freePort: 300 calls without binding: 300 distinct ports', async () => {
    const ports: number[] = []
    for (let i = 0; i < 300; i++) ports.push(await freePort())
    expect(new Set(ports).size).toBe(ports.length)
    for (const port of ports) expect(port).toBeGreaterThan(0)
  })
})
