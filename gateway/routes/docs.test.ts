// /docs: Swagger UI served from the installed swagger-ui-dist. Method: a bare Hono app with
// only the docs routes, asked over app.request(): the page, every asset it links (found by
// parsing the HTML, so a renamed file fails here), and the allow-list's refusals.
import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import type { EdgeEnv } from '../middleware/edge-env.ts'
import { docsPath, registerDocsRoutes } from './docs.ts'

function docsApp(swaggerUiDir?: string): Hono<EdgeEnv> {
  const app = new Hono<EdgeEnv>()
  app.onError((_error, c) => c.text('asset unavailable', 500))
  registerDocsRoutes(app, swaggerUiDir === undefined ? {} : { swaggerUiDir })
  return app
}

function linkedAssets(html: string): string[] {
  return [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1]!)
}

describe('docs routes', () => {
  it('docs: GET /docs: Swagger UI page with a strict CSP', async () => {
    const response = await docsApp().request(docsPath)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8')
    expect(response.headers.get('content-security-policy')).toContain("script-src 'self';")
    const html = await response.text()
    expect(html).toContain('<div id="swagger-ui"></div>')
    expect(html).not.toMatch(/https?:\/\//) // no CDN
  })
  it('docs: every linked asset: 200 with its content type', async () => {
    const app = docsApp()
    const html = await (await app.request(docsPath)).text()
    const links = linkedAssets(html)
    expect(links.length).toBe(5)
    const types: string[] = []
    for (const link of links) {
      const response = await app.request(link)
      expect(response.status, link).toBe(200)
      expect((await response.arrayBuffer()).byteLength, link).toBeGreaterThan(100)
      types.push(`${link.split('.').pop()} ${response.headers.get('content-type')}`)
    }
    expect(new Set(types)).toEqual(
      new Set([
        'css text/css; charset=utf-8',
        'png image/png',
        'js text/javascript; charset=utf-8',
      ]),
    )
  })
  it('docs: initializer: points Swagger UI at /openapi.json', async () => {
    const response = await docsApp().request('/docs/assets/shoal-docs.js')
    expect(await response.text()).toContain('url: "/openapi.json"')
  })
  it('docs: a file outside the allow-list: 404, even if the package has it', async () => {
    const app = docsApp()
    for (const path of [
      '/docs/assets/package.json',
      '/docs/assets/index.html',
      '/docs/assets/..%2Fpackage.json',
      '/docs/assets/%2e%2e%2f%2e%2e%2fpackage.json',
    ]) {
      expect((await app.request(path)).status, path).toBe(404)
    }
  })
  it('docs: package directory missing: asset request fails, a later one retries', async () => {
    const app = docsApp('/nonexistent-swagger-ui-dist')
    expect((await app.request('/docs/assets/swagger-ui.css')).status).toBe(500)
    expect((await app.request('/docs/assets/swagger-ui.css')).status).toBe(500)
    expect((await app.request(docsPath)).status).toBe(200)
  })
})
