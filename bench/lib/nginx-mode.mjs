// Slipway's proxy type nginx for the benchmarks: the compiled src/proxy/nginx (renderSite, `nginx -t`,
// the managed master with its own prefix and main config) serving apps whose upstream is a bench
// upstream. Each call starts its own managed master on free loopback ports.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { distDir, freePort, onCleanup, tempDir } from './common.mjs';

const importDist = (file) => import(pathToFileURL(path.join(distDir, file)).href);

/**
 * apps: [{ app, hostnames, upstreamPort, tls?: { cert, key }, own?: Map of nginx:set values }].
 * An app with `tls` is served over HTTPS (host port 443 → the HTTPS port) and, as Dokku does,
 * its port 80 only redirects; one without is served over HTTP.
 * Resolves { httpPort, httpsPort, pid, conf(app), mainConf(), rewrite(app, edit, mainEdit), stop }.
 */
export async function startNginxMode(nginxPath, apps) {
  const { NginxProxy, NginxServer, computeValues } = await importDist('proxy/nginx/index.js');
  const { Layout } = await importDist('store/layout.js');
  const { NginxFiles } = await importDist('store/nginx-files.js');
  const dir = tempDir('nginx-mode');
  const files = new NginxFiles(new Layout({ dokkuRoot: path.join(dir, 'home'), libRoot: path.join(dir, 'lib') }));
  const httpPort = await freePort();
  const httpsPort = await freePort();
  const server = new NginxServer({
    mode: 'managed', bin: nginxPath,
    httpListen: { host: '127.0.0.1', port: httpPort }, httpsListen: { host: '127.0.0.1', port: httpsPort },
    systemInclude: '', systemPidFile: '',
  }, files);
  const proxy = new NginxProxy(server, files);
  // The master daemonizes: if this script ends before stop() (an error), it is stopped by its pid file.
  let stopped = false;
  onCleanup(() => {
    if (stopped) return;
    try { process.kill(Number(fs.readFileSync(server.pidFile(), 'utf8').trim()), 'SIGQUIT'); } catch { /* never started */ }
  });
  for (const a of apps) {
    let tlsDir;
    if (a.tls) {
      tlsDir = path.join(dir, 'tls', a.app);
      fs.mkdirSync(tlsDir, { recursive: true });
      fs.copyFileSync(a.tls.cert, path.join(tlsDir, 'server.crt'));
      fs.copyFileSync(a.tls.key, path.join(tlsDir, 'server.key'));
    }
    const maps = [{ scheme: 'http', hostPort: 80, containerPort: 5000 }, ...(a.tls ? [{ scheme: 'https', hostPort: 443, containerPort: 5000 }] : [])];
    await proxy.apply(a.app, async () => ({
      app: a.app, hostnames: a.hostnames, maps, tlsDir,
      target: { kind: 'upstreams', upstreams: [{ host: '127.0.0.1', port: a.upstreamPort }] },
      includeDir: files.includeDir(a.app), acmeDir: files.acmeDir(a.app),
      values: computeValues(a.own ?? new Map(), new Map(), a.app, server.logsDir()),
    }));
  }
  const conf = (app) => fs.readFileSync(files.appConfig(app), 'utf8');
  const mainConf = () => fs.readFileSync(server.mainConfig(), 'utf8');
  return {
    httpPort, httpsPort, pid: await server.masterPid(), conf, mainConf, logsDir: server.logsDir(),
    /** Diagnostics only: edits the app's written config (and the main config), then reloads. */
    async rewrite(app, edit = (text) => text, mainEdit) {
      await files.writeAppConfig(app, edit(conf(app)));
      const check = await server.test();
      if (!check.ok) throw new Error(`nginx -t refused the edited config: ${check.message}`);
      if (mainEdit) fs.writeFileSync(server.mainConfig(), mainEdit(mainConf()));
      await server.apply();
      this.pid = await server.masterPid();
    },
    stop: async () => { await proxy.stop(); stopped = true; },
  };
}
