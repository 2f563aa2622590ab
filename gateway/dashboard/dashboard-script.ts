/**
 * The dashboard's browser script, inlined into the page (no CDN, no library). It listens to
 * /dashboard/events and redraws from each `frame` event (see DashboardFrame in
 * dashboard-feed.ts). Every text from the server (key names above all: they are user data) is
 * set with textContent, never as HTML; charts are inline SVG paths built from numbers only.
 */
export const dashboardScript = String.raw`
'use strict'
const svgNs = 'http://www.w3.org/2000/svg'
const byId = (id) => document.getElementById(id)
let slots = 60

// History arrays start short; pad them on the left so time runs right to left at a fixed scale.
function padded(values) {
  return values.length >= slots ? values : Array(slots - values.length).fill(null).concat(values)
}

function fmt(value, digits) {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–'
  const abs = Math.abs(value)
  if (abs >= 1e6) return (value / 1e6).toFixed(1) + 'M'
  if (abs >= 1e4) return (value / 1e3).toFixed(1) + 'k'
  if (abs >= 100) return value.toFixed(0)
  return value.toFixed(digits === undefined ? 1 : digits)
}

function pct(value) {
  return value === null || value === undefined ? '–' : (value * 100).toFixed(1) + '%'
}

// An SVG sparkline of values (nulls are gaps), scaled to its own maximum.
function sparkline(values, width, height, cls) {
  const svg = document.createElementNS(svgNs, 'svg')
  svg.setAttribute('viewBox', '0 0 ' + width + ' ' + height)
  svg.setAttribute('width', String(width))
  svg.setAttribute('height', String(height))
  svg.setAttribute('class', 'spark ' + (cls || ''))
  values = padded(values)
  const finite = values.filter((v) => v !== null && Number.isFinite(v))
  const max = Math.max(1e-9, ...finite)
  const step = values.length > 1 ? width / (values.length - 1) : width
  let line = ''
  let area = ''
  let open = false
  values.forEach((v, i) => {
    if (v === null || !Number.isFinite(v)) { open = false; return }
    const x = (i * step).toFixed(1)
    const y = (height - 2 - (v / max) * (height - 4)).toFixed(1)
    line += (open ? ' L' : ' M') + x + ' ' + y
    open = true
  })
  const firstIndex = values.findIndex((v) => v !== null && Number.isFinite(v))
  const tailFilled = firstIndex >= 0 && values.slice(firstIndex).every((v) => v !== null)
  if (tailFilled) {
    const x0 = (firstIndex * step).toFixed(1)
    area = line + ' L' + width + ' ' + height + ' L' + x0 + ' ' + height + ' Z'
    const fill = document.createElementNS(svgNs, 'path')
    fill.setAttribute('d', area)
    fill.setAttribute('class', 'area')
    svg.appendChild(fill)
  }
  const path = document.createElementNS(svgNs, 'path')
  path.setAttribute('d', line.trim() || 'M0 ' + (height - 2) + ' L' + width + ' ' + (height - 2))
  path.setAttribute('class', 'line')
  svg.appendChild(path)
  return svg
}

function setChart(id, values, cls) {
  const holder = byId(id)
  holder.replaceChildren(sparkline(values, holder.clientWidth || 240, 44, cls))
}

function cell(text, cls) {
  const td = document.createElement('td')
  td.textContent = text
  if (cls) td.className = cls
  return td
}

function renderHotKeys(keys) {
  const body = byId('hot-keys-body')
  const rows = keys.map((key, i) => {
    const tr = document.createElement('tr')
    tr.className = key.hot ? 'hot' : ''
    tr.appendChild(cell(String(i + 1), 'rank'))
    const name = cell('', 'key')
    const table = document.createElement('span')
    table.className = 'table-name'
    table.textContent = key.table + '/'
    const item = document.createElement('span')
    item.className = 'item-key'
    item.textContent = key.key
    name.append(table, item)
    if (key.hot) {
      const badge = document.createElement('span')
      badge.className = 'badge'
      badge.textContent = 'HOT'
      name.appendChild(badge)
    }
    name.title = key.table + '/' + key.key
    tr.appendChild(name)
    tr.appendChild(cell(fmt(key.ratePerSec) + '/s', 'num rate'))
    tr.appendChild(cell('± ' + fmt(key.errorPerSec), 'num err'))
    const share = cell('', 'share')
    const bar = document.createElement('div')
    bar.className = 'bar'
    const fill = document.createElement('div')
    fill.style.width = Math.min(100, key.share * 100).toFixed(1) + '%'
    bar.appendChild(fill)
    const label = document.createElement('span')
    label.textContent = pct(key.share)
    share.append(bar, label)
    tr.appendChild(share)
    const mix = key.ratePerSec > 0 ? key.writesPerSec / key.ratePerSec : 0
    tr.appendChild(cell(pct(mix), 'num writes'))
    const spark = cell('', 'spark-cell')
    spark.appendChild(sparkline(key.spark, 180, 28, key.hot ? 'hot' : ''))
    tr.appendChild(spark)
    return tr
  })
  body.replaceChildren(...rows)
  byId('hot-empty').hidden = keys.length > 0
}

function renderCluster(frame) {
  const nodes = frame.nodes.map((node) => {
    const div = document.createElement('div')
    div.className = 'node ' + (node.healthy ? 'up' : 'down')
    const title = document.createElement('div')
    title.className = 'node-id'
    title.textContent = node.id
    const addr = document.createElement('div')
    addr.className = 'muted'
    addr.textContent = node.address
    const state = document.createElement('div')
    state.className = 'node-state'
    state.textContent = (node.healthy ? 'healthy' : 'down') + ' · leads ' + node.leads
    div.append(title, addr, state)
    return div
  })
  byId('nodes').replaceChildren(...nodes)
  const groups = frame.groups.map((group) => {
    const tr = document.createElement('tr')
    tr.className = group.leader === null ? 'leaderless' : ''
    tr.appendChild(cell(group.shard === 0 ? '0 (catalog)' : String(group.shard), 'num'))
    tr.appendChild(cell(group.leader === null ? 'no leader' : group.leader, 'leader'))
    const replicas = cell('', 'replicas')
    group.replicas.forEach((id) => {
      const chip = document.createElement('span')
      chip.className = 'chip' + (id === group.leader ? ' lead' : '')
      chip.textContent = id
      replicas.appendChild(chip)
    })
    tr.appendChild(replicas)
    return tr
  })
  byId('groups-body').replaceChildren(...groups)
  const led = frame.groups.filter((g) => g.leader !== null).length
  const up = frame.nodes.filter((n) => n.healthy).length
  const healthy = up === frame.nodes.length && led === frame.groups.length
  byId('cluster-summary').textContent = up + '/' + frame.nodes.length + ' nodes up · ' +
    led + '/' + frame.groups.length + ' groups led'
  byId('cluster-card').className = 'panel' + (healthy ? '' : ' warn')
}

function render(frame) {
  slots = frame.historySeconds || slots
  byId('request-rate').textContent = fmt(frame.requestsPerSec)
  byId('p50').textContent = fmt(frame.p50Ms, 2)
  byId('p99').textContent = fmt(frame.p99Ms, 2)
  byId('coalescing-ratio').textContent =
    frame.coalescingRatio === null ? '–' : fmt(frame.coalescingRatio, 1) + '×'
  byId('coalescing-totals').textContent = fmt(frame.totals.clientReads, 0) +
    ' client reads → ' + fmt(frame.totals.backendReads, 0) + ' backend reads in all'
  byId('cache-hit-ratio').textContent = pct(frame.cacheHitRatio)
  setChart('chart-rate', frame.history.requestsPerSec, '')
  setChart('chart-p99', frame.history.p99Ms, 'warm')
  setChart('chart-coalescing', frame.history.coalescingRatio, 'cool')
  renderHotKeys(frame.hotKeys)
  renderCluster(frame)
  byId('updated').textContent = new Date(frame.wallMs).toLocaleTimeString()
}

function connect() {
  const source = new EventSource('/dashboard/events')
  const status = byId('status')
  source.addEventListener('open', () => { status.textContent = 'live'; status.className = 'live' })
  source.addEventListener('error', () => {
    status.textContent = 'reconnecting…'
    status.className = 'stale'
  })
  source.addEventListener('frame', (event) => {
    try {
      render(JSON.parse(event.data))
      document.body.dataset.frames = String(Number(document.body.dataset.frames || 0) + 1)
    } catch (error) {
      status.textContent = 'bad frame'
      status.className = 'stale'
      throw error
    }
  })
}

connect()
`
