// Experiment preload (`node --import`): the proposed fix in src/plugins/host.ts — remember, per
// plugin snapshot, which enabled plugins have an executable for a trigger name, instead of one
// fs.stat per enabled plugin on every firing (user-auth fires before every SSH command).
// The body mirrors PluginHost.trigger in dist/ at the time of writing; measurement only.
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const distSrc = path.dirname(process.argv[1]);
const load = (rel) => import(pathToFileURL(path.join(distSrc, rel)).href);
const { PluginHost, TriggerFailed, isTriggerName } = await load('plugins/host.js');
const { isExecutable } = await load('plugins/discovery.js');
const { runExecutable } = await load('plugins/spawn.js');
const { SlipwayError } = await load('errors.js');

async function holders(host, name) {
  const snapshot = await host.current();
  snapshot.triggerHolders ??= new Map();
  let list = snapshot.triggerHolders.get(name);
  if (!list) {
    const found = await Promise.all(snapshot.plugins.map((p) => isExecutable(path.join(p.dir, name))));
    list = snapshot.plugins.filter((_, i) => found[i]);
    snapshot.triggerHolders.set(name, list);
  }
  return list;
}

PluginHost.prototype.trigger = async function trigger(name, args, ctx, options = {}) {
  if (!isTriggerName(name)) throw new SlipwayError('E_BAD_TRIGGER', `invalid trigger name: ${name}`);
  for (const observe of this.observers ?? []) observe(name, args, ctx);
  let output = '';
  for (const fn of this.coreTriggers.get(name) ?? []) {
    const text = await fn(args, ctx);
    if (options.capture) output += text;
    else if (text) ctx.io.stdout.write(text);
  }
  for (const plugin of await holders(this, name)) {
    const result = await runExecutable(path.join(plugin.dir, name), args, {
      env: this.env(ctx), stdout: options.capture ? 'capture' : ctx.io.stdout, stderr: ctx.io.stderr,
      stdin: undefined, signal: ctx.signal,
    });
    output += result.stdout;
    if (result.exitCode !== 0) throw new TriggerFailed(name, plugin.name, result.exitCode);
  }
  return output;
};
