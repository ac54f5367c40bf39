// Experiment preload (`node --import`): turns Nagle off on every accepted TCP socket, which is
// what the proposed fix in src/ssh/server.ts does with `client.setNoDelay(true)`. Used only to
// measure that fix before it lands (BENCH_EXPERIMENT=nodelay); never part of a normal run.
import net from 'node:net';

const emit = net.Server.prototype.emit;
net.Server.prototype.emit = function patchedEmit(event, socket, ...rest) {
  if (event === 'connection' && socket instanceof net.Socket && typeof socket.setNoDelay === 'function') socket.setNoDelay(true);
  return emit.call(this, event, socket, ...rest);
};
