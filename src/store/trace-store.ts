// Trace mode, where Dokku keeps it: trace:on writes $DOKKU_ROOT/.dokkurc/DOKKU_TRACE
// (`export DOKKU_TRACE=1`, sourced for every plugin run like any dokkurc file) and trace:off
// removes it, so a Dokku host's file, or one an operator writes by hand, turns tracing on here too.
import fs from 'node:fs/promises';
import { GLOBAL } from './layout.js';
import type { Layout } from './layout.js';
import type { PropertyStore } from './properties.js';
import { exists, writeFileAtomic } from './atomic.js';

export class TraceStore {
  // Older Slipway versions kept trace:on as a property. It is moved into the file on the first
  // question (asked on every command and trigger, reading both cost two file reads each time),
  // so every process sees one state and later questions are one stat.
  private migrated: Promise<void> | undefined;

  constructor(private readonly layout: Layout, private readonly properties: PropertyStore) {}

  /** On while $DOKKU_ROOT/.dokkurc/DOKKU_TRACE exists. */
  async isOn(): Promise<boolean> {
    this.migrated ??= this.migrateLegacy().catch((error: unknown) => {
      this.migrated = undefined; // asked again next time
      throw error;
    });
    await this.migrated;
    return exists(this.layout.traceFile());
  }

  private async migrateLegacy(): Promise<void> {
    if ((await this.properties.get('trace', GLOBAL, 'enabled')) === 'true') await this.set(true);
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
