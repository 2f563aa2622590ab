// /docs in a real browser: headless Debian chromium (playwright-core) against a gateway in
// front of a 1-node cluster. Method: open /docs, wait until Swagger UI (served from the
// installed swagger-ui-dist, no network beyond this gateway) has rendered the operations of
// /openapi.json, check that every request the page made stayed on the gateway and answered
// 200, then use "Try it out" on GET /v1/tables to prove the page drives the real API. Any
// console error (a CSP violation included) or page error fails the test.
// Skipped, saying why, only when /usr/bin/chromium is absent (.ci/apt-packages installs it).
import { existsSync, rmSync } from 'node:fs'
import { chromium, type BrowserContext } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ShoalClient } from '../../shared/client/shoal-client.ts'
import { ClusterFixture } from '../../storage/node/cluster-fixture.ts'
import { freePort, spawnTs, stop, tempDir, waitFor, type Spawned } from '../harness/processes.ts'

const chromiumPath = '/usr/bin/chromium'
const hasChromium = existsSync(chromiumPath)
if (!hasChromium) {
  console.warn(`docs e2e: SKIPPED: ${chromiumPath} not found (apt-get install chromium)`)
}

let fixture: ClusterFixture
let gateway: Spawned
let baseUrl: string

beforeAll(async () => {
  if (!hasChromium) return
  fixture = await ClusterFixture.start({ nodes: 1, shardCount: 2 })
  await fixture.waitForLeaders()
  const port = await freePort()
  gateway = spawnTs('gateway/main.ts', ['--config', fixture.configPath, '--port', String(port)], {
    env: { SHOAL_LOG_LEVEL: 'warn' },
  })
  baseUrl = `http://127.0.0.1:${port}`
  const client = new ShoalClient({ baseUrl })
  await waitFor('gateway ready', () => client.ready(), { timeoutMs: 30_000, intervalMs: 100 })
  await client.createTable('docs-demo', {})
}, 60_000)

afterAll(async () => {
  if (gateway !== undefined) await stop(gateway)
  if (fixture !== undefined) await fixture.close()
})

async function launch(userDataDir: string): Promise<BrowserContext> {
  return chromium.launchPersistentContext(userDataDir, {
    executablePath: chromiumPath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-dev-shm-usage',
    ],
  })
}

describe.skipIf(!hasChromium)('docs e2e', () => {
  it('docs e2e: GET /docs: Swagger UI renders every operation, try-it-out works', async () => {
    const userDataDir = tempDir('chromium-docs')
    const context = await launch(userDataDir)
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
