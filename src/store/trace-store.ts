// Trace mode, where Dokku keeps it: trace:on writes $DOKKU_ROOT/.dokkurc/DOKKU_TRACE
// (`export DOKKU_TRACE=1`, sourced for every plugin run like any dokkurc file) and trace:off
// removes it, so a Dokku host's file, or one an operator writes by hand, turns tracing on here too.
import fs from 'node:fs/promises';
import { GLOBAL } from './layout.js';
import type { Layout } from './layout.js';
import type { PropertyStore } from './properties.js';
import { exists, writeFileAtomic } from './atomic.js';

export class TraceStore {
  constructor(private readonly layout: Layout, private readonly properties: PropertyStore) {}

  /** On while the file exists (or the property older Slipway versions wrote is still set). */
  async isOn(): Promise<boolean> {
    if (await exists(this.layout.traceFile())) return true;
    return (await this.properties.get('trace', GLOBAL, 'enabled')) === 'true';
  }

  async set(on: boolean): Promise<void> {
    if (on) {
      await fs.mkdir(this.layout.dokkurcDir(), { recursive: true });
      await writeFileAtomic(this.layout.traceFile(), 'export DOKKU_TRACE=1\n', 0o644);
    } else {
      await fs.rm(this.layout.traceFile(), { force: true });
    }
    await this.properties.delete('trace', GLOBAL, 'enabled');
  }
}
