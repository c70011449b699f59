/**
 * The page served at / until the viewer is built (viewer/dist): the runs and their progress, refreshed from the
 * REST API every two seconds, with the token (if any) taken from the page's own ?token=.
 */
export function statusPageHtml(version: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>gymlab server</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 2rem; color: #222; }
  table { border-collapse: collapse; }
  th, td { padding: 0.25rem 0.75rem; border-bottom: 1px solid #ddd; text-align: left; }
  td.n { text-align: right; font-variant-numeric: tabular-nums; }
  .failed { color: #b00; } .running { color: #060; }
  code { background: #f4f4f4; padding: 0 0.25rem; }
</style>
</head>
<body>
<h1>gymlab training server <small>${version}</small></h1>
<p>The viewer is not built (<code>viewer/dist</code> is missing); this page lists the runs. Live frames and metrics
stream over the WebSocket at <code>/ws</code> (see docs/protocol.md); the REST API is under <code>/api</code>.</p>
<table>
<thead><tr><th>run</th><th>env</th><th>status</th><th>steps</th><th>episodes</th><th>mean return (100)</th>
<th>steps/s</th><th>speed</th><th>metrics</th></tr></thead>
<tbody id="runs"><tr><td colspan="9">loading…</td></tr></tbody>
</table>
<p id="err" class="failed"></p>
<script>
const token = new URLSearchParams(location.search).get('token');
const headers = token ? { Authorization: 'Bearer ' + token } : {};
const q = token ? '&token=' + encodeURIComponent(token) : '';
function cell(row, text, cls) {
  const td = document.createElement('td');
  td.textContent = text;
  if (cls) td.className = cls;
  row.appendChild(td);
  return td;
}
const fmt = (v) => (v === null || v === undefined ? '–' : Number.isInteger(v) ? v.toLocaleString() : v.toFixed(1));
async function refresh() {
  try {
    const res = await fetch('/api/runs', { headers });
    if (!res.ok) throw new Error((await res.json()).message);
    const { runs } = await res.json();
    const body = document.getElementById('runs');
    body.replaceChildren();
    for (const r of runs.slice().reverse()) {
      const row = document.createElement('tr');
      cell(row, r.id + (r.demo ? ' (demo)' : ''));
      cell(row, r.env);
      cell(row, r.status + (r.error ? ': ' + r.error : ''), r.status);
      cell(row, fmt(r.steps) + ' / ' + fmt(r.totalSteps), 'n');
      cell(row, fmt(r.episodes), 'n');
      cell(row, fmt(r.meanReturn100), 'n');
      cell(row, fmt(r.stepsPerSecond), 'n');
      cell(row, r.speed);
      const a = document.createElement('a');
      a.href = '/api/runs/' + encodeURIComponent(r.id) + '/metrics?format=csv' + q;
      a.textContent = 'csv';
      cell(row, '').appendChild(a);
      body.appendChild(row);
    }
    if (runs.length === 0) body.innerHTML = '<tr><td colspan="9">no runs yet</td></tr>';
    document.getElementById('err').textContent = '';
  } catch (e) {
    document.getElementById('err').textContent = String(e.message || e);
  }
}
refresh();
setInterval(refresh, 2000);
</script>
</body>
</html>
`;
}
