/**
 * GET /docs: a self-contained page (inline CSS and script) that fetches /openapi.json and shows
 * it as a readable list: every path and method with its summary, parameters (name, place,
 * required, type, description), request body types and responses. Local `$ref`s are followed.
 * All text from the document is set with textContent.
 */
const style = `
:root { --bg: #0f1419; --panel: #171e26; --line: #243040; --text: #e6edf3; --muted: #8b98a8; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--text);
  font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
header { padding: 16px 24px; border-bottom: 1px solid var(--line); display: flex; gap: 16px;
  align-items: baseline; }
header h1 { margin: 0; font-size: 20px; }
header input { margin-left: auto; background: var(--panel); color: var(--text);
  border: 1px solid var(--line); border-radius: 6px; padding: 6px 10px; width: 260px; }
main { padding: 20px 24px; max-width: 1100px; }
.op { background: var(--panel); border: 1px solid var(--line); border-radius: 10px;
  margin-bottom: 12px; }
.op summary { padding: 10px 14px; cursor: pointer; display: flex; gap: 12px;
  align-items: center; }
.method { font-weight: 700; font-size: 12px; padding: 2px 8px; border-radius: 4px;
  min-width: 64px; text-align: center; color: #0f1419; }
.get { background: #4fb3ff; } .put { background: #e3b341; } .post { background: #3fb950; }
.delete { background: #f85149; } .patch, .head, .options { background: #a371f7; }
.path { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; }
.sum { color: var(--muted); }
.body { padding: 4px 14px 14px; }
h3 { font-size: 12px; text-transform: uppercase; letter-spacing: 1px; color: var(--muted);
  margin: 12px 0 4px; }
table { width: 100%; border-collapse: collapse; }
td, th { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--line);
  vertical-align: top; }
th { font-size: 11px; color: var(--muted); text-transform: uppercase; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 13px; }
.req { color: #ff7a45; font-size: 11px; margin-left: 4px; }
.error { color: #f85149; }
`

const script = String.raw`
'use strict'
const methods = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options']
let doc = null
function el(tag, text, cls) {
  const node = document.createElement(tag)
  if (text !== undefined && text !== null) node.textContent = String(text)
  if (cls) node.className = cls
  return node
}
function resolve(value, depth) {
  if (!value || typeof value !== 'object' || typeof value.$ref !== 'string' || depth > 8) {
    return value
  }
  const parts = value.$ref.replace(/^#\//, '').split('/')
  let target = doc
  for (const part of parts) target = target && target[part.replace(/~1/g, '/').replace(/~0/g, '~')]
  return resolve(target, depth + 1) || value
}
function typeOf(schema) {
  schema = resolve(schema, 0)
  if (!schema) return ''
  if (Array.isArray(schema.enum)) return schema.enum.join(' | ')
  if (schema.type === 'array') return typeOf(schema.items) + '[]'
  return schema.type || (schema.$ref ? schema.$ref.split('/').pop() : 'object')
}
function table(headers, rows) {
  const t = el('table')
  const head = el('tr')
  headers.forEach((h) => head.appendChild(el('th', h)))
  t.appendChild(head)
  rows.forEach((cells) => {
    const tr = el('tr')
    cells.forEach((c) => tr.appendChild(c instanceof Node ? wrap(c) : el('td', c)))
    t.appendChild(tr)
  })
  return t
}
function wrap(node) { const td = el('td'); td.appendChild(node); return td }
function paramName(p) {
  const span = el('span')
  span.appendChild(el('code', p.name))
  if (p.required) span.appendChild(el('span', 'required', 'req'))
  return span
}
function operation(path, method, op, shared) {
  const details = el('details', null, 'op')
  details.dataset.search = (method + ' ' + path + ' ' + (op.summary || '')).toLowerCase()
  const summary = el('summary')
  summary.append(el('span', method.toUpperCase(), 'method ' + method), el('span', path, 'path'),
    el('span', op.summary || '', 'sum'))
  details.appendChild(summary)
  const body = el('div', null, 'body')
  if (op.description) body.appendChild(el('p', op.description))
  const params = [...(shared || []), ...(op.parameters || [])].map((p) => resolve(p, 0))
  if (params.length > 0) {
    body.appendChild(el('h3', 'Parameters'))
    body.appendChild(table(['name', 'in', 'type', 'description'], params.map((p) =>
      [paramName(p), p.in, typeOf(p.schema), p.description || ''])))
  }
  const requestBody = resolve(op.requestBody, 0)
  if (requestBody && requestBody.content) {
    body.appendChild(el('h3', 'Request body' + (requestBody.required ? ' (required)' : '')))
    body.appendChild(table(['content type', 'schema'], Object.entries(requestBody.content)
      .map(([type, media]) => [type, typeOf(media.schema)])))
  }
  const responses = Object.entries(op.responses || {}).map(([status, r]) => {
    r = resolve(r, 0) || {}
    const types = Object.keys(r.content || {}).join(', ')
    const headers = Object.keys(r.headers || {}).join(', ')
    return [status, r.description || '', types, headers]
  })
  if (responses.length > 0) {
    body.appendChild(el('h3', 'Responses'))
    body.appendChild(table(['status', 'description', 'content', 'headers'], responses))
  }
  details.appendChild(body)
  return details
}
function render() {
  const info = doc.info || {}
  document.getElementById('title').textContent = (info.title || 'API') + ' ' + (info.version || '')
  if (info.description) document.getElementById('description').textContent = info.description
  const list = document.getElementById('ops')
  const items = []
  for (const [path, item] of Object.entries(doc.paths || {})) {
    for (const method of methods) {
      if (item[method]) items.push(operation(path, method, item[method], item.parameters))
    }
  }
  list.replaceChildren(...items)
  document.body.dataset.operations = String(items.length)
}
document.getElementById('filter').addEventListener('input', (event) => {
  const needle = event.target.value.toLowerCase()
  document.querySelectorAll('.op').forEach((op) => {
    op.hidden = needle !== '' && !op.dataset.search.includes(needle)
  })
})
fetch('/openapi.json')
  .then((response) => {
    if (!response.ok) throw new Error('GET /openapi.json answered ' + response.status)
    return response.json()
  })
  .then((json) => { doc = json; render() })
  .catch((error) => {
    document.getElementById('ops').replaceChildren(el('p', String(error), 'error'))
  })
`

export const docsHtml = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Shoal · API</title>
<link rel="icon" href="data:,">
<style>${style}</style>
</head>
<body>
<header><h1 id="title">API</h1><span class="sum">from /openapi.json</span>
  <input id="filter" placeholder="filter paths…" aria-label="filter paths"></header>
<main><p id="description" class="sum"></p><div id="ops">Loading…</div></main>
<script>${script}</script>
</body>
</html>
`
