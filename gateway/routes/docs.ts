/**
 * `GET /docs`: Swagger UI over `/openapi.json`, served from the installed `swagger-ui-dist`
 * package (no CDN: the page works on an air-gapped host). `GET /docs/assets/<file>` serves the
 * package's bundle, stylesheet and icons plus our small initializer script; nothing else under
 * the package directory is reachable (a fixed allow-list, so no path traversal).
 *
 * The asset files are read once, on the first request that needs them (no I/O when the app is
 * built), and kept in memory: about 1.6 MB. Outside /v1/*, so not behind API keys, like
 * /openapi.json itself.
 */
import { readFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Hono } from 'hono'
import type { EdgeEnv } from '../middleware/edge-env.ts'
import { openApiPath } from './ops.ts'

export const docsPath = '/docs'
export const docsAssetsPath = '/docs/assets'

/** The package files the page loads, with their content types. */
const jsType = 'text/javascript; charset=utf-8'
const packageAssets: Readonly<Record<string, string>> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': jsType,
  'favicon-32x32.png': 'image/png',
  'favicon-16x16.png': 'image/png',
}

/** Our initializer: an external script, so the page's CSP needs no 'unsafe-inline' script. */
const initializerName = 'shoal-docs.js'
const initializerJs = `window.addEventListener('load', function () {
  window.ui = SwaggerUIBundle({
    url: ${JSON.stringify(openApiPath)},
    dom_id: '#swagger-ui',
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis],
    layout: 'BaseLayout',
  })
})
`

const docsHtml = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Shoal API reference</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="${docsAssetsPath}/swagger-ui.css">
<link rel="icon" type="image/png" href="${docsAssetsPath}/favicon-32x32.png" sizes="32x32">
<link rel="icon" type="image/png" href="${docsAssetsPath}/favicon-16x16.png" sizes="16x16">
</head>
<body>
<div id="swagger-ui"></div>
<script src="${docsAssetsPath}/swagger-ui-bundle.js" charset="utf-8"></script>
<script src="${docsAssetsPath}/${initializerName}" charset="utf-8"></script>
</body>
</html>
`

/**
 * Scripts only from this origin; Swagger UI sets inline styles and uses data: images in its CSS;
 * "Try it out" calls the API on this origin.
 */
const docsSecurityHeaders: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; base-uri 'none'; " +
    "form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
}

/** The directory of the installed swagger-ui-dist package. */
export function swaggerUiDir(): string {
  return dirname(fileURLToPath(import.meta.resolve('swagger-ui-dist/package.json')))
}

interface Asset {
  readonly body: Uint8Array<ArrayBuffer>
  readonly contentType: string
}

/** Reads every allowed asset once; later calls share the same promise. */
function assetLoader(where: string | undefined): () => Promise<ReadonlyMap<string, Asset>> {
  let loaded: Promise<ReadonlyMap<string, Asset>> | undefined
  const load = async (): Promise<ReadonlyMap<string, Asset>> => {
    const directory = where ?? swaggerUiDir()
    const assets = new Map<string, Asset>()
    for (const [name, contentType] of Object.entries(packageAssets)) {
      const body = new Uint8Array(await readFile(join(directory, name)))
      assets.set(name, { body, contentType })
    }
    const initializer = new TextEncoder().encode(initializerJs)
    assets.set(initializerName, { body: initializer, contentType: jsType })
    return assets
  }
  return () => {
    loaded ??= load().catch((error: unknown) => {
      loaded = undefined // a later request retries (e.g. after the package is reinstalled)
      throw error
    })
    return loaded
  }
}

export interface DocsRouteDeps {
  /** Where swagger-ui-dist's files are; default: the installed package. */
  readonly swaggerUiDir?: string
}

export function registerDocsRoutes(app: Hono<EdgeEnv>, deps: DocsRouteDeps = {}): void {
  const assets = assetLoader(deps.swaggerUiDir)
  const htmlHeaders = {
    ...docsSecurityHeaders,
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-cache',
  }
  app.get(docsPath, (c) => c.body(docsHtml, 200, htmlHeaders))
  app.get(`${docsPath}/`, (c) => c.redirect(docsPath, 301))
  app.get(`${docsAssetsPath}/:name`, async (c) => {
    const asset = (await assets()).get(c.req.param('name'))
    if (asset === undefined) return c.notFound()
    return c.body(asset.body, 200, {
      ...docsSecurityHeaders,
      'content-type': asset.contentType,
      // The package version only changes on a deploy; an hour keeps reloads cheap.
      'cache-control': 'public, max-age=3600',
    })
  })
}
