// /docs in a real browser: headless Debian chromium (playwright-core) against a gateway in
// front of a 1-node cluster. Method: open /docs, wait until Swagger UI (served from the
// installed swagger-ui-dist, no network beyond this gateway) has rendered the operations of
// /openapi.json, check that every request the page made stayed on the gateway and answered
// 200, then use "Try it out" on GET /v1/tables to prove the page drives the real API. Any
// console error (a CSP violation included) or page error fails the test.
// Skipped, saying why, only when /usr/bin/chromium is absent (.ci/apt-packages installs it).
import { rmSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chromiumPath, hasChromium, launchChromium } from '../harness/chromium.ts'
import {
  startGatewayOverCluster,
  type GatewayOverCluster,
} from '../harness/gateway-over-cluster.ts'
import { tempDir, waitFor } from '../harness/processes.ts'

if (!hasChromium) {
  console.warn(`docs e2e: SKIPPED: ${chromiumPath} not found (apt-get install chromium)`)
}

let setup: GatewayOverCluster | undefined
let baseUrl: string

beforeAll(async () => {
  if (!hasChromium) return
  setup = await startGatewayOverCluster({ nodes: 1, shardCount: 2 })
  baseUrl = setup.baseUrl
  const client = setup.client
  await client.createTable('docs-demo', {})
}, 60_000)

afterAll(async () => {
  await setup?.close()
})

describe.skipIf(!hasChromium)('docs e2e', () => {
  it('docs e2e: GET /docs: Swagger UI renders every operation, try-it-out works', async () => {
    const userDataDir = tempDir('chromium-docs')
    const context = await launchChromium(userDataDir)
    const problems: string[] = []
    const requests: string[] = []
    try {
      const page = await context.newPage()
      page.on('console', (message) => {
        if (message.type() === 'error') problems.push(`console: ${message.text()}`)
      })
      page.on('pageerror', (error) => problems.push(`page error: ${error.message}`))
      page.on('requestfinished', (request) => {
        void request.response().then((response) => {
          requests.push(`${response?.status()} ${request.url()}`)
        })
      })
      page.on('requestfailed', (request) => problems.push(`request failed: ${request.url()}`))
      const response = await page.goto(`${baseUrl}/docs`)
      expect(response?.status()).toBe(200)
      const operations = page.locator('.opblock')
      await waitFor(
        'Swagger UI rendered the operations',
        async () => (await operations.count()) > 10,
        {
          timeoutMs: 15_000,
          intervalMs: 100,
        },
      )
      const paths = await page.locator('.opblock-summary-path').allTextContents()
      expect(paths.map((path) => path.replace(/\u200b/g, ''))).toContain('/v1/tables')
      expect(await page.locator('.info .title').first().textContent()).toMatch(/Shoal/i)

      // Try it out: GET /v1/tables through the page answers 200 and lists our table.
      const list = page.locator('#operations-tables-listTables, .opblock-get').filter({
        has: page.locator('.opblock-summary-path[data-path="/v1/tables"]'),
      })
      await list.first().locator('.opblock-summary').click()
      await list.first().locator('button.try-out__btn').click()
      await list.first().locator('button.execute').click()
      const body = list.first().locator('.responses-wrapper .live-responses-table .microlight')
      await waitFor('the live response', async () => (await body.count()) > 0, {
        timeoutMs: 10_000,
      })
      expect(await body.first().textContent()).toContain('docs-demo')
    } finally {
      await context.close()
      rmSync(userDataDir, { recursive: true, force: true })
    }
    expect(problems).toEqual([])
    expect(requests.length).toBeGreaterThanOrEqual(5)
    for (const line of requests) expect(line).toMatch(new RegExp(`^200 ${baseUrl}/`))
  }, 60_000)
})
