// The dashboard in a real browser: headless Debian chromium driven by playwright-core against a
// gateway in front of a real 3-node cluster. Method: send a skewed read load (most reads on one
// key, concurrent so they coalesce), open /dashboard, and wait until the page, fed only by its
// SSE stream, lists that key first among the hot keys and shows a coalescing ratio above 1.
// Any console error or page error fails the test; a screenshot is saved to test-artifacts/.
// The viewer count on /metrics must fall back to 0 when the browser goes away (bounded SSE).
// Skipped, saying why, only when /usr/bin/chromium is absent (.ci/apt-packages installs it).
import { mkdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ShoalClient } from '../../shared/client/shoal-client.ts'
import {
  parsePrometheusText,
  sampleValue,
} from '../../shared/metrics/parse-prometheus.test-helper.ts'
import { chromiumPath, hasChromium, launchChromium } from '../harness/chromium.ts'
import {
  startGatewayOverCluster,
  type GatewayOverCluster,
} from '../harness/gateway-over-cluster.ts'
import { repoRoot, tempDir, waitFor } from '../harness/processes.ts'

if (!hasChromium) {
  console.warn(`dashboard e2e: SKIPPED: ${chromiumPath} not found (apt-get install chromium)`)
}

let setup: GatewayOverCluster | undefined
let client: ShoalClient
let baseUrl: string

/**
 * Skewed reads until `until` says stop or `budgetMs` passes, 32 at once: 90% on one key (a
 * third of those eventual, so the hot cache serves some), the rest spread over 40 keys.
 */
async function skewedLoad(until: () => boolean, budgetMs: number): Promise<number> {
  const endMs = Date.now() + budgetMs
  let sent = 0
  const worker = async (id: number): Promise<void> => {
    for (let i = 0; !until() && Date.now() < endMs; i++) {
      const key = (i + id) % 10 === 0 ? `cold-${(i * 7 + id) % 40}` : 'celebrity'
      try {
        const eventual = key === 'celebrity' && i % 3 === 0
        await client.get('feed', key, eventual ? { consistency: 'eventual' } : {})
        sent++
      } catch {
        return // the gateway went away (the test failed and is stopping): stop this worker
      }
    }
  }
  await Promise.all(Array.from({ length: 32 }, (_, id) => worker(id)))
  return sent
}

async function viewers(): Promise<number> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text()
  return sampleValue(parsePrometheusText(text), 'shoal_dashboard_viewers')
}

beforeAll(async () => {
  if (!hasChromium) return
  setup = await startGatewayOverCluster({ nodes: 3, shardCount: 4 })
  baseUrl = setup.baseUrl
  client = setup.client
  await client.createTable('feed', {})
  await client.put('feed', 'celebrity', 'a post everyone reads')
  for (let i = 0; i < 40; i++) await client.put('feed', `cold-${i}`, `post ${i}`)
}, 90_000)

afterAll(async () => {
  await setup?.close()
})

/** On the page: the first hot key is `celebrity`, marked HOT, and a coalescing ratio > 1. */
async function topKeyShown(page: Page): Promise<boolean> {
  const first = page.locator('#hot-keys-body tr').first()
  const key = await first.locator('.item-key').textContent({ timeout: 500 })
  const badges = await first.locator('.badge').count()
  const ratio = Number.parseFloat((await page.locator('#coalescing-ratio').textContent()) ?? '')
  return key === 'celebrity' && badges === 1 && ratio > 1
}

describe.skipIf(!hasChromium)('dashboard e2e', () => {
  it('dashboard e2e: after a skewed load: hot key on top, coalescing ratio shown', async () => {
    const userDataDir = tempDir('chromium')
    const context = await launchChromium(userDataDir, { viewport: { width: 1280, height: 1000 } })
    const problems: string[] = []
    try {
      const page = await context.newPage()
      page.on('console', (message) => {
        if (message.type() === 'error') problems.push(`console: ${message.text()}`)
      })
      page.on('pageerror', (error) => problems.push(`page error: ${error.message}`))
      const response = await page.goto(`${baseUrl}/dashboard`)
      expect(response?.status()).toBe(200)
      let shown = false
      // At least 5 s of load, so the screenshot's charts have a few points.
      const minimumEndMs = Date.now() + 5_000
      const load = skewedLoad(() => shown && Date.now() >= minimumEndMs, 30_000)
      try {
        await waitFor('the hot key on top with a coalescing ratio', () => topKeyShown(page), {
          timeoutMs: 30_000,
          intervalMs: 200,
        })
      } finally {
        shown = true
      }
      const sent = await load
      expect(await page.locator('#status').textContent()).toBe('live')
      expect(await page.locator('#nodes .node.up').count()).toBe(3)
      const ratio = await page.locator('#coalescing-ratio').textContent()
      mkdirSync(join(repoRoot, 'test-artifacts'), { recursive: true })
      await page.screenshot({
        path: join(repoRoot, 'test-artifacts', 'dashboard.png'),
        fullPage: true,
      })
      console.info(`dashboard e2e: ${sent} reads sent; coalescing ratio shown: ${ratio}`)
      expect(await viewers()).toBe(1)
    } finally {
      await context.close()
      rmSync(userDataDir, { recursive: true, force: true })
    }
    expect(problems).toEqual([])
    await waitFor('the closed viewer leaves the hub', async () => (await viewers()) === 0, {
      timeoutMs: 5_000,
      intervalMs: 100,
    })
  })
})
