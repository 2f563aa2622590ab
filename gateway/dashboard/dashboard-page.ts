/**
 * GET /dashboard: one self-contained HTML page (inline CSS and script, no external asset, no
 * CDN), fed by /dashboard/events. The Content-Security-Policy allows nothing but this page's
 * inline code and a connection back to the gateway.
 */
import { dashboardScript } from './dashboard-script.ts'

export const pageSecurityHeaders: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; " +
    "connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; " +
    "frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache',
}

const style = `
:root {
  --bg: #0f1419; --panel: #171e26; --line: #243040; --text: #e6edf3; --muted: #8b98a8;
  --accent: #4fb3ff; --hot: #ff7a45; --good: #3fb950; --bad: #f85149; --warm: #e3b341;
  --cool: #a371f7;
}
* { box-sizing: border-box; }
body {
  margin: 0; background: var(--bg); color: var(--text);
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
}
header {
  display: flex; align-items: baseline; gap: 16px; padding: 16px 24px;
  border-bottom: 1px solid var(--line);
}
header h1 { margin: 0; font-size: 20px; letter-spacing: 0.5px; }
header h1 span { color: var(--accent); }
header .right { margin-left: auto; color: var(--muted); }
#status { font-weight: 600; margin-right: 8px; }
#status.live { color: var(--good); }
#status.live::before { content: "● "; }
#status.stale { color: var(--warm); }
main { padding: 20px 24px; display: grid; gap: 20px; max-width: 1400px; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(240px, 1fr)); gap: 16px; }
.card, .panel {
  background: var(--panel); border: 1px solid var(--line); border-radius: 10px; padding: 16px;
}
.card h2, .panel h2 {
  margin: 0 0 6px; font-size: 12px; font-weight: 600; color: var(--muted);
  text-transform: uppercase; letter-spacing: 1px;
}
.big { font-size: 34px; font-weight: 700; font-variant-numeric: tabular-nums; }
.pair { display: flex; gap: 18px; flex-wrap: wrap; }
.pair .big { font-size: 28px; line-height: 48px; white-space: nowrap; }
.big small { font-size: 15px; color: var(--muted); font-weight: 500; margin-left: 4px; }
.sub { color: var(--muted); font-size: 12px; min-height: 18px; }
.card { display: flex; flex-direction: column; }
.chart { height: 44px; margin-top: auto; padding-top: 8px; }
.spark .line { fill: none; stroke: var(--accent); stroke-width: 1.6; }
.spark .area { fill: var(--accent); opacity: 0.12; stroke: none; }
.spark.hot .line { stroke: var(--hot); } .spark.hot .area { fill: var(--hot); }
.spark.warm .line { stroke: var(--warm); } .spark.warm .area { fill: var(--warm); }
.spark.cool .line { stroke: var(--cool); } .spark.cool .area { fill: var(--cool); }
table { width: 100%; border-collapse: collapse; font-variant-numeric: tabular-nums; }
th {
  text-align: left; font-size: 11px; color: var(--muted); font-weight: 600;
  text-transform: uppercase; letter-spacing: 0.8px; padding: 6px 8px;
  border-bottom: 1px solid var(--line);
}
td { padding: 7px 8px; border-bottom: 1px solid var(--line); vertical-align: middle; }
tr:last-child td { border-bottom: none; }
td.num, th.num { text-align: right; white-space: nowrap; }
td.rank { color: var(--muted); width: 32px; }
td.key {
  max-width: 380px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap;
  font-family: ui-monospace, SFMono-Regular, Menlo, monospace;
}
.table-name { color: var(--muted); }
tr.hot .item-key { color: var(--hot); font-weight: 600; }
.badge {
  margin-left: 8px; padding: 1px 6px; border-radius: 4px; font-size: 10px; font-weight: 700;
  background: rgba(255, 122, 69, 0.18); color: var(--hot); font-family: system-ui, sans-serif;
}
td.rate { font-weight: 600; }
td.err, td.writes { color: var(--muted); }
td.share { width: 170px; white-space: nowrap; }
.bar {
  display: inline-block; width: 100px; height: 8px; background: var(--line);
  border-radius: 4px; overflow: hidden; vertical-align: middle; margin-right: 8px;
}
.bar div { height: 100%; background: var(--accent); }
tr.hot .bar div { background: var(--hot); }
td.spark-cell { width: 190px; }
.empty { color: var(--muted); padding: 16px 8px; }
.cluster { display: grid; grid-template-columns: minmax(260px, 1fr) 2fr; gap: 16px; }
#nodes { align-content: start; display: grid; gap: 10px;
  grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); }
.node { border: 1px solid var(--line); border-left: 4px solid var(--good); border-radius: 8px;
  padding: 8px 10px; }
.node.down { border-left-color: var(--bad); background: rgba(248, 81, 73, 0.08); }
.node-id { font-weight: 700; }
.node-state { font-size: 12px; margin-top: 2px; }
.node.down .node-state { color: var(--bad); font-weight: 600; }
.muted { color: var(--muted); font-size: 12px; }
.chip {
  display: inline-block; padding: 1px 7px; margin: 1px 4px 1px 0; border-radius: 10px;
  border: 1px solid var(--line); font-size: 12px; color: var(--muted);
}
.chip.lead { border-color: var(--good); color: var(--good); font-weight: 600; }
tr.leaderless td { color: var(--bad); font-weight: 600; }
.panel.warn { border-color: var(--bad); }
#cluster-summary { float: right; color: var(--muted); font-size: 12px; }
.groups { max-height: 320px; overflow: auto; }
@media (max-width: 800px) { .cluster { grid-template-columns: 1fr; } }
`

export const dashboardHtml = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Shoal · gateway dashboard</title>
<link rel="icon" href="data:,">
<style>${style}</style>
</head>
<body>
<header>
  <h1><span>Shoal</span> gateway</h1>
  <div class="muted">hot keys · coalescing · latency · cluster health</div>
  <div class="right"><span id="status">connecting…</span>
    updated <span id="updated">–</span></div>
</header>
<main>
  <section class="cards">
    <div class="card"><h2>Request rate</h2>
      <div class="big"><span id="request-rate">–</span><small>req/s</small></div>
      <div class="sub">last second · chart: last minute</div>
      <div class="chart" id="chart-rate"></div></div>
    <div class="card"><h2>Latency</h2>
      <div class="pair">
        <div class="big"><span id="p50">–</span><small>ms p50</small></div>
        <div class="big"><span id="p99">–</span><small>ms p99</small></div></div>
      <div class="sub">last 5 s · chart: p99</div>
      <div class="chart" id="chart-p99"></div></div>
    <div class="card"><h2>Coalescing ratio</h2>
      <div class="big"><span id="coalescing-ratio">–</span></div>
      <div class="sub" id="coalescing-totals">client reads per backend read</div>
      <div class="chart" id="chart-coalescing"></div></div>
    <div class="card"><h2>Hot cache hit ratio</h2>
      <div class="big"><span id="cache-hit-ratio">–</span></div>
      <div class="sub">eventual reads of hot keys, last 10 s</div></div>
  </section>
  <section class="panel"><h2>Top hot keys</h2>
    <table id="hot-keys">
      <thead><tr><th>#</th><th>table/key</th><th class="num">est. rate</th>
        <th class="num">error</th><th>share of traffic</th><th class="num">writes</th>
        <th>last minute</th></tr></thead>
      <tbody id="hot-keys-body"></tbody>
    </table>
    <div class="empty" id="hot-empty">No traffic in the window yet.</div>
  </section>
  <section class="panel" id="cluster-card"><h2>Cluster <span id="cluster-summary"></span></h2>
    <div class="cluster">
      <div id="nodes"></div>
      <div class="groups"><table>
        <thead><tr><th class="num">group</th><th>leader</th><th>replicas</th></tr></thead>
        <tbody id="groups-body"></tbody>
      </table></div>
    </div>
  </section>
</main>
<script>${dashboardScript}</script>
</body>
</html>
`
