// The dashboard's pages as server-rendered HTML: every value escaped, every form with a real label
// and the session's CSRF token, readable at 360 px wide and usable with the keyboard alone.
import type { AppDetail, AppSummary, LiveTables } from './read.js';
import type { CommandResult } from './run.js';

export interface Viewer { keyName: string; admin: boolean; csrf: string }

export function esc(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const enc = encodeURIComponent;

function csrfField(viewer: Viewer): string {
  return `<input type="hidden" name="csrf" value="${esc(viewer.csrf)}">`;
}

export function layout(title: string, body: string, viewer?: Viewer): string {
  const nav = viewer
    ? `<nav aria-label="Main"><a href="/">Apps</a>${viewer.admin ? '<a href="/events">Events</a>' : ''}</nav>
<span class="who">${esc(viewer.keyName)}${viewer.admin ? ' (admin)' : ''}</span>
<form method="post" action="/logout">${csrfField(viewer)}<button class="secondary" type="submit">Log out</button></form>`
    : '<nav aria-label="Main"></nav>';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(title)} · Slipway</title><link rel="stylesheet" href="/assets/app.css"></head>
<body><a class="skip" href="#main">Skip to content</a>
<header><strong>Slipway</strong>${nav}</header>
<main id="main" tabindex="-1">${body}</main>
<script src="/assets/app.js"></script></body></html>`;
}

export function stateBadge(state: string): string {
  return `<span class="state state-${esc(state.replace(/\s+/g, '-'))}">${esc(state)}</span>`;
}

function resultBox(result: (CommandResult & { title: string }) | undefined): string {
  if (!result) return '';
  const ok = result.code === 0;
  return `<section class="${ok ? 'notice' : 'error'}" role="status" id="result"><h2>${esc(result.title)}: ${ok ? 'done' : `failed (exit ${result.code})`}</h2>
<pre>${esc(result.output || '(no output)')}</pre></section>`;
}

export function loginPage(token: string | undefined, error?: string): string {
  const field = token
    ? `<input type="hidden" name="token" value="${esc(token)}">`
    : '<label for="token">Login token</label><input type="password" id="token" name="token" autocomplete="off" required>';
  return layout('Log in', `<h1>Log in</h1>
${error ? `<section class="error" role="alert"><p>${esc(error)}</p></section>` : ''}
<section><p>Get a one-time login URL with <code>ssh dokku@HOST dashboard:login</code>. It opens a session with that key's rights.</p>
<form method="post" action="/login">${field}<button type="submit">Continue</button></form></section>`);
}

export function messagePage(title: string, text: string, viewer?: Viewer): string {
  return layout(title, `<h1>${esc(title)}</h1><section><p>${esc(text)}</p><p><a href="/">Back to the apps</a></p></section>`, viewer);
}

function processesText(app: AppSummary): string {
  if (!app.processes.length) return '<span class="muted">no processes</span>';
  return app.processes.map((p) => `${esc(p.type)}: ${p.running}/${p.wanted}${p.crashed ? ` <strong>(${p.crashed} crashed)</strong>` : ''}`).join(', ');
}

export function appsPage(apps: AppSummary[], viewer: Viewer): string {
  const cards = apps.map((app) => `<article aria-labelledby="app-${esc(app.name)}">
<h2 id="app-${esc(app.name)}"><a href="/apps/${enc(app.name)}">${esc(app.name)}</a> ${stateBadge(app.state)}</h2>
<p>Processes: ${processesText(app)}</p>
<p>Release: ${app.release ? `v${app.release.version} <span class="muted">(${esc(app.release.rev.slice(0, 7))})</span>` : '<span class="muted">none</span>'}</p>
<p>Last deploy: ${app.lastBuild ? `${stateBadge(app.lastBuild.display)} <span class="muted">${esc(app.lastBuild.started_at)}</span>` : '<span class="muted">never</span>'}</p>
<p>${app.urls.map((u) => `<a href="${esc(u)}">${esc(u)}</a>`).join('<br>') || '<span class="muted">no URL</span>'}</p>
</article>`).join('\n');
  return layout('Apps', `<h1>Apps</h1>${apps.length ? `<div class="cards">${cards}</div>` : '<section><p>No apps you may see yet.</p></section>'}`, viewer);
}

/** The processes table and scale form: rendered in the page, and again for each live update. */
export function processesBody(app: Pick<LiveTables, 'name' | 'instances' | 'processes'>, viewer: Viewer): string {
  const rows = app.instances.map((i) => `<tr><td>${esc(i.id)}</td><td>${stateBadge(i.state)}</td><td>${i.exits}</td><td>${esc(i.startedAt ?? '')}</td></tr>`).join('');
  const types = app.processes.map((p) => `<div><label for="scale-${esc(p.type)}">${esc(p.type)}</label>
<input type="number" id="scale-${esc(p.type)}" name="scale.${esc(p.type)}" min="0" max="100" value="${p.wanted}" required></div>`).join('');
  return `${rows ? `<div class="scroll"><table><thead><tr><th scope="col">Process</th><th scope="col">State</th><th scope="col">Exits</th><th scope="col">Started</th></tr></thead><tbody>${rows}</tbody></table></div>` : '<p class="muted">Nothing running.</p>'}
${types ? `<form method="post" action="/apps/${enc(app.name)}/scale" class="row">${csrfField(viewer)}${types}<button type="submit">Scale</button></form>` : ''}`;
}

function processesSection(app: AppDetail, viewer: Viewer): string {
  return `<section aria-labelledby="h-processes"><h2 id="h-processes">Processes</h2>
<div id="processes-body">${processesBody(app, viewer)}</div>
</section>`;
}

/** seen: the app's activity count when the page was made; the live stream sends newer tables at once. */
function deploySection(app: AppDetail, seen: number): string {
  const builds = app.builds.slice(0, 10).map((b) => `<li><a href="/apps/${enc(app.name)}/builds/${enc(b.id)}">${esc(b.id)}</a> ${stateBadge(b.display)} <span class="muted">${esc(b.source)} · ${esc(b.started_at)}</span></li>`).join('');
  return `<section aria-labelledby="h-deploy"><h2 id="h-deploy">Deploy log</h2>
<p id="deploy-status" role="status">${app.running ? `Deploying: build ${esc(app.running)}` : 'No deploy running; a new one shows here as it happens.'}</p>
<pre id="deploy-log" data-live="/apps/${enc(app.name)}/live/deploy?seen=${seen}" data-status="deploy-status" aria-label="Deploy output" tabindex="0"></pre>
${builds ? `<h3>Past builds</h3><ul>${builds}</ul>` : ''}
</section>`;
}

/** The releases table with its Roll back buttons: rendered in the page, and again for each live update. */
export function releasesBody(app: Pick<LiveTables, 'name' | 'release' | 'releases'>, viewer: Viewer): string {
  const current = app.release?.version;
  const rows = app.releases.map((r) => {
    const action = r.version !== current && r.status === 'deployed'
      ? `<form method="post" action="/apps/${enc(app.name)}/rollback">${csrfField(viewer)}<input type="hidden" name="version" value="${r.version}"><button class="secondary" type="submit">Roll back to v${r.version}</button></form>`
      : '';
    return `<tr><td>v${r.version}</td><td>${esc(r.rev.slice(0, 7))}</td><td>${esc(r.createdAt.replace(/\.\d+Z$/, 'Z'))}</td><td>${esc(r.pusher)}</td><td>${r.version === current ? stateBadge('current') : esc(r.status)}</td><td>${action}</td></tr>`;
  }).join('');
  return `${rows ? `<div class="scroll"><table><thead><tr><th scope="col">Version</th><th scope="col">Rev</th><th scope="col">Created</th><th scope="col">By</th><th scope="col">Status</th><th scope="col"><span class="muted">Action</span></th></tr></thead><tbody>${rows}</tbody></table></div>` : '<p class="muted">No releases: push to deploy.</p>'}`;
}

function releasesSection(app: AppDetail, viewer: Viewer): string {
  return `<section aria-labelledby="h-releases"><h2 id="h-releases">Releases</h2>
<div id="releases-body">${releasesBody(app, viewer)}</div>
</section>`;
}

function restartBox(id: string): string {
  return `<label class="inline" for="${id}"><input type="checkbox" id="${id}" name="restart" value="1" checked> Restart the app</label>`;
}

function configSection(app: AppDetail, viewer: Viewer, reveal: string | undefined): string {
  const keys = [...app.config.keys()].sort();
  const rows = keys.map((key, n) => {
    const shown = reveal === key
      ? `<code class="value">${esc(app.config.get(key) ?? "")}</code> <a href="/apps/${enc(app.name)}#config">Hide</a>`
      : `<span aria-label="hidden value">••••••</span> <a href="/apps/${enc(app.name)}?reveal=${enc(key)}#config" aria-label="Reveal ${esc(key)}">Reveal</a>`;
    return `<tr><td><code>${esc(key)}</code></td><td>${shown}</td><td><form method="post" action="/apps/${enc(app.name)}/config/unset" class="row">${csrfField(viewer)}<input type="hidden" name="key" value="${esc(key)}">${restartBox(`unset-restart-${n}`)}<button class="danger" type="submit" aria-label="Unset ${esc(key)}">Unset</button></form></td></tr>`;
  }).join('');
  return `<section aria-labelledby="h-config" id="config"><h2 id="h-config">Config</h2>
${rows ? `<div class="scroll"><table><thead><tr><th scope="col">Key</th><th scope="col">Value</th><th scope="col"><span class="muted">Action</span></th></tr></thead><tbody>${rows}</tbody></table></div>` : '<p class="muted">No config values.</p>'}
<form method="post" action="/apps/${enc(app.name)}/config">${csrfField(viewer)}
<label for="config-key">Key</label><input type="text" id="config-key" name="key" pattern="[A-Za-z_][A-Za-z0-9_]*" required autocomplete="off">
<label for="config-value">Value</label><textarea id="config-value" name="value" rows="2" cols="30"></textarea>
<div class="row">${restartBox('config-restart')}<button type="submit">Set</button></div></form>
</section>`;
}

function domainsSection(app: AppDetail): string {
  return `<section aria-labelledby="h-domains"><h2 id="h-domains">Domains and certificates</h2>
<ul>${app.domains.map((d) => `<li>${esc(d)}</li>`).join('') || '<li class="muted">none</li>'}</ul>
<p>URLs: ${app.urls.map((u) => `<a href="${esc(u)}">${esc(u)}</a>`).join(', ') || '<span class="muted">none</span>'}</p>
<p>Certificate: ${app.hasCertificate ? 'installed (HTTPS)' : '<span class="muted">none</span>'}</p>
</section>`;
}

function logsSection(app: AppDetail, type: string | undefined): string {
  const options = ['', ...app.processes.map((p) => p.type)].map((t) => `<option value="${esc(t)}"${t === (type ?? '') ? ' selected' : ''}>${t ? esc(t) : 'all types'}</option>`).join('');
  const query = type ? `?type=${enc(type)}` : '';
  return `<section aria-labelledby="h-logs"><h2 id="h-logs">Logs</h2>
<form method="get" action="/apps/${enc(app.name)}" class="row"><div><label for="log-type">Process type</label><select id="log-type" name="type">${options}</select></div><button class="secondary" type="submit">Filter</button></form>
<p id="logs-status" role="status" class="muted"></p>
<pre id="app-logs" data-live="/apps/${enc(app.name)}/live/logs${query}" data-status="logs-status" aria-label="App logs" tabindex="0"></pre>
</section>`;
}

export interface AppPageOptions { reveal?: string; type?: string; result?: CommandResult & { title: string }; seen?: number }

export function appPage(app: AppDetail, viewer: Viewer, options: AppPageOptions = {}): string {
  return layout(app.name, `<h1>${esc(app.name)} ${stateBadge(app.state)}</h1>
${resultBox(options.result)}
${processesSection(app, viewer)}
${deploySection(app, options.seen ?? 0)}
${releasesSection(app, viewer)}
${configSection(app, viewer, options.reveal)}
${domainsSection(app)}
${logsSection(app, options.type)}`, viewer);
}

export function confirmRollbackPage(app: string, version: number, viewer: Viewer): string {
  return layout(`Roll back ${app}`, `<h1>Roll back ${esc(app)} to v${version}?</h1>
<section><p>v${version}'s build is started again and takes the traffic once it passes its checks; the current release stops.</p>
<form method="post" action="/apps/${enc(app)}/rollback" class="row">${csrfField(viewer)}<input type="hidden" name="version" value="${version}"><input type="hidden" name="confirm" value="yes">
<button class="danger" type="submit" id="confirm-rollback" autofocus>Yes, roll back to v${version}</button> <a href="/apps/${enc(app)}">Cancel</a></form></section>`, viewer);
}

export function buildPage(app: string, id: string, result: CommandResult, viewer: Viewer): string {
  return layout(`Build ${id}`, `<h1>${esc(app)}: build ${esc(id)}</h1><p><a href="/apps/${enc(app)}">Back to ${esc(app)}</a></p>
<section><pre tabindex="0" aria-label="Build output">${esc(result.output || '(no output)')}</pre></section>`, viewer);
}

export function eventsPage(lines: string[], viewer: Viewer): string {
  const items = [...lines].reverse().map((l) => `<li><code>${esc(l)}</code></li>`).join('');
  return layout('Events', `<h1>Events</h1><section><p class="muted">Newest first: every command and lifecycle trigger, with the key that ran it.</p>
<ol reversed class="events">${items || '<li class="muted">no events</li>'}</ol></section>`, viewer);
}
