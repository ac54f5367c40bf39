// PORTs for web processes on 127.0.0.1: the kernel picks a free one (listen on port 0), and the
// pool remembers what it handed out so two live instances never share a port.
import net from 'node:net';

export const LOOPBACK = '127.0.0.1';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, LOOPBACK, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export class PortPool {
  private readonly used = new Set<number>();

  async allocate(): Promise<number> {
    for (let attempt = 0; attempt < 20; attempt++) {
      const port = await freePort();
      if (!this.used.has(port)) {
        this.used.add(port);
        return port;
      }
    }
    throw new Error('no free port on 127.0.0.1');
  }

  /** A port an adopted process already listens on. */
  claim(port: number | undefined): void {
    if (port !== undefined) this.used.add(port);
  }

  release(port: number | undefined): void {
    if (port !== undefined) this.used.delete(port);
  }
}
