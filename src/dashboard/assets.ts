// The dashboard's only stylesheet and script, served from its own origin (the CSP allows nothing
// else). The pages work without the script; it only follows the live logs and tables (server-sent events).

export const CSS = `
*{box-sizing:border-box}
body{margin:0;font:16px/1.45 system-ui,sans-serif;color:#1b1f24;background:#f6f7f9}
a{color:#0b57d0}
header{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center;padding:.6rem 1rem;background:#1b1f24;color:#fff}
header a{color:#fff}
.who{color:#cfd4da;font-size:.9rem}
header nav{display:flex;gap:1rem;flex:1}
header form{margin:0}
main{padding:1rem;max-width:70rem;margin:0 auto}
h1{font-size:1.5rem;margin:.2rem 0 1rem}
h2{font-size:1.15rem;margin:1.6rem 0 .5rem}
section,article{background:#fff;border:1px solid #d5d9de;border-radius:6px;padding:.8rem 1rem;margin:0 0 1rem}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(17rem,1fr));gap:1rem}
.state{display:inline-block;padding:0 .5rem;border-radius:1rem;font-size:.85rem;font-weight:600;background:#e4e7eb}
.state-running,.state-succeeded{background:#d3f0db;color:#0d5a25}
.state-crashed,.state-failed{background:#fde0df;color:#8c1d18}
.state-starting{background:#fff2c7;color:#6b4f00}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:.3rem .4rem;border-bottom:1px solid #e4e7eb;vertical-align:top}
.scroll{overflow-x:auto}
pre{background:#101418;color:#e6e9ed;padding:.6rem;border-radius:4px;overflow:auto;max-height:28rem;white-space:pre-wrap;word-break:break-word;font-size:.85rem}
label{display:block;font-weight:600;margin:.4rem 0 .1rem}
label.inline{display:inline-flex;gap:.3rem;font-weight:400;align-items:center}
input[type=text],input[type=number],input[type=password],textarea,select{font:inherit;padding:.35rem;border:1px solid #8a939c;border-radius:4px;max-width:100%}
button{font:inherit;padding:.35rem .8rem;border-radius:4px;border:1px solid #0b57d0;background:#0b57d0;color:#fff;cursor:pointer}
button.secondary{background:#fff;color:#0b57d0}
button.danger{background:#b3261e;border-color:#b3261e}
:focus-visible{outline:3px solid #f0a500;outline-offset:2px}
.row{display:flex;flex-wrap:wrap;gap:.5rem;align-items:end}
.notice{border-left:4px solid #0b57d0}
.error{border-left:4px solid #b3261e}
.muted{color:#5b636b;font-size:.9rem}
.skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:1rem;background:#fff;color:#000;padding:.3rem}
@media (max-width:40rem){main{padding:.5rem}th,td{padding:.25rem}}
`;

export const JS = `
'use strict';
// A live table (processes, releases) is replaced by the server's newer rendering; while the focus is
// inside it (someone typing a scale), the newest one waits until the focus leaves.
const waiting = new Map();
const swap = (id, html) => {
  const box = document.getElementById(id);
  if (!box) return;
  if (box.contains(document.activeElement)) { waiting.set(id, html); return; }
  waiting.delete(id);
  box.innerHTML = html;
  box.dataset.updates = String(Number(box.dataset.updates || 0) + 1);
};
document.addEventListener('focusout', (e) => {
  for (const [id, html] of waiting) {
    const box = document.getElementById(id);
    if (box && !box.contains(e.relatedTarget)) swap(id, html);
  }
});
// Follows every <pre data-live="URL"> with server-sent events; lines are text, never HTML.
for (const pre of document.querySelectorAll('pre[data-live]')) {
  const status = document.getElementById(pre.dataset.status || '');
  const say = (text) => { if (status) status.textContent = text; };
  const add = (text, cls) => {
    const line = document.createElement('span');
    line.textContent = text + '\\n';
    if (cls) line.className = cls;
    pre.appendChild(line);
    while (pre.childNodes.length > 3000) pre.removeChild(pre.firstChild);
    pre.scrollTop = pre.scrollHeight;
  };
  const source = new EventSource(pre.dataset.live);
  source.onopen = () => { pre.dataset.connected = '1'; };
  source.onmessage = (e) => add(e.data);
  source.addEventListener('dropped', (e) => add('[' + e.data + ' lines dropped: this page read too slowly]', 'dropped'));
  source.addEventListener('build', (e) => { pre.textContent = ''; say('Deploying: build ' + e.data); });
  source.addEventListener('done', (e) => say('Build finished: ' + e.data));
  source.addEventListener('state', (e) => say(e.data));
  source.addEventListener('processes', (e) => swap('processes-body', e.data));
  source.addEventListener('releases', (e) => swap('releases-body', e.data));
  source.onerror = () => say('Disconnected; retrying…');
}
`;
