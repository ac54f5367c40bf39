// The proxy benchmark's moving parts: the upstream, Slipway's proxy, nginx (Debian), and wrk.
import fs from 'node:fs';
import path from 'node:path';
import { benchDir, freePort, run, startProcess, stopProcess, tempDir, waitForPort } from './common.mjs';
import { ensureTool } from './tools.mjs';

/**
 * Starts a node script from bench/lib that prints `listening PORT`; resolves { proc, port }.
 * `ownSession`: in a session of its own (setsid, as a daemon or a service runs): with the kernel's
 * autogroup scheduling, processes of one session share one CPU share, so a proxy in the bench's
 * session would split its share with wrk while a daemonized nginx has its own.
 */
export async function startListening(name, script, env = {}, nodeArgs = [], { ownSession = false } = {}) {
  const proc = startProcess(name, process.execPath, [...nodeArgs, path.join(benchDir, 'lib', script)], { env: { ...process.env, ...env }, detached: ownSession });
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start: ${proc.output}`)), 15_000);
    proc.stdout.on('data', () => {
      const m = /listening (\d+)/.exec(proc.output);
      if (m) { clearTimeout(timer); resolve(Number(m[1])); }
    });
    proc.once('exit', (code) => { clearTimeout(timer); reject(new Error(`${name} exited ${code}: ${proc.output}`)); });
  });
  return { proc, port, stop: () => stopProcess(proc) };
}

/**
 * nginx as a plain reverse proxy for the same upstream, with upstream keep-alive. By default the
 * proxy workload's minimal anchor: access log off, `keepalive 256`, worker_processes 1 (the same
 * process count as Slipway's single-threaded proxy; BENCH_NGINX_WORKERS to change). With
 * `debian: true`, what an operator gets from Debian's nginx.conf plus a hand-written site: its
 * http settings (sendfile, tcp_nopush, mime.types, gzip on, an unbuffered `combined` access log
 * to a file) around the same server block; `logBuffer` adds `buffer=32k flush=1s` to that log.
 * `ownSession`: started in a session of its own, as the managed (daemonized) nginx is (see startListening).
 */
export async function startNginx(upstreamPort, workers = Number(process.env.BENCH_NGINX_WORKERS || 1), { keepalive = 256, debian = false, logBuffer = false, ownSession = false } = {}) {
  const tool = await ensureTool('nginx', 'nginx-light');
  if (!tool.ok) return { ok: false, reason: tool.reason };
  const dir = tempDir('nginx');
  const port = await freePort();
  const conf = path.join(dir, 'nginx.conf');
  const t = (name) => path.join(dir, name);
  fs.writeFileSync(conf, `
worker_processes ${workers};
daemon off;
pid ${t('nginx.pid')};
error_log ${t('error.log')} warn;
events { worker_connections 4096; }
http {
${debian ? `  sendfile on;
  tcp_nopush on;
  types_hash_max_size 2048;
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  access_log ${t('access.log')}${logBuffer ? ' combined buffer=32k flush=1s' : ''};
  gzip on;` : '  access_log off;'}
  client_body_temp_path ${t('body')};
  proxy_temp_path ${t('proxy')};
  fastcgi_temp_path ${t('fastcgi')};
  uwsgi_temp_path ${t('uwsgi')};
  scgi_temp_path ${t('scgi')};
  keepalive_timeout 65s;
  keepalive_requests 100000;
  upstream app {
    server 127.0.0.1:${upstreamPort};
    keepalive ${keepalive};
  }
  server {
    listen 127.0.0.1:${port};
    server_name bench.test;
    location / {
      proxy_pass http://app;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Forwarded-Port $server_port;
      proxy_set_header X-Request-Start $msec;
    }
  }
}
`);
  const check = await run(tool.path, ['-t', '-e', t('error.log'), '-p', dir, '-c', conf]);
  if (check.code !== 0) return { ok: false, reason: `nginx -t failed: ${check.stderr.trim()}` };
  const proc = startProcess('nginx', tool.path, ['-e', t('error.log'), '-p', dir, '-c', conf], { detached: ownSession });
  await waitForPort(port);
  const version = (await run(tool.path, ['-v'])).stderr.trim();
  return { ok: true, proc, port, version, workers, conf: fs.readFileSync(conf, 'utf8'), accessLog: debian ? t('access.log') : null, stop: () => stopProcess(proc) };
}

const UNIT = { us: 0.001, ms: 1, s: 1000 };
const ms = (text) => {
  const m = /([\d.]+)(us|ms|s)/.exec(text ?? '');
  return m ? Number(m[1]) * UNIT[m[2]] : null;
};

/** One wrk run with a fixed duration; parses requests/s, latency percentiles and errors. */
export async function wrk(wrkPath, url, { threads = 2, connections = 64, seconds = 10, host = 'bench.test' } = {}) {
  const r = await run(wrkPath, ['-t', String(threads), '-c', String(connections), '-d', `${seconds}s`, '--latency', '-H', `Host: ${host}`, url], { timeoutMs: (seconds + 30) * 1000 });
  const out = r.stdout;
  const num = (re) => { const m = re.exec(out); return m ? Number(m[1]) : 0; };
  const result = {
    rps: num(/Requests\/sec:\s+([\d.]+)/),
    requests: num(/(\d+) requests in/),
    p50_ms: ms((/^\s+50%\s+(\S+)/m.exec(out) ?? [])[1]),
    p90_ms: ms((/^\s+90%\s+(\S+)/m.exec(out) ?? [])[1]),
    p99_ms: ms((/^\s+99%\s+(\S+)/m.exec(out) ?? [])[1]),
    non2xx: num(/Non-2xx or 3xx responses:\s+(\d+)/),
    socket_errors: (/Socket errors: (.*)/.exec(out) ?? [])[1] ?? null,
  };
  if (r.code !== 0 || !result.rps) throw new Error(`wrk failed (exit ${r.code}): ${r.stderr || out}`);
  return result;
}

/** CPU seconds (user+system) used so far by a pid and, optionally, its direct children. */
export function cpuSeconds(pid, withChildren = false) {
  const tick = 100; // USER_HZ on Linux
  const one = (p) => {
    try {
      const fields = fs.readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1].split(' ');
      return (Number(fields[11]) + Number(fields[12])) / tick;
    } catch { return 0; }
  };
  let total = one(pid);
  if (withChildren) {
    try {
      for (const child of fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean)) total += one(child);
    } catch { /* no children file */ }
  }
  return total;
}
