// One HTTP GET to 127.0.0.1 with a chosen Host header (fetch cannot set Host).
import http from 'node:http';

export function get(port, host, pathname = '/', timeoutMs = 5000) {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: pathname, headers: { host }, agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.on('data', (c) => { if (body.length < 65536) body += c; });
      res.on('end', () => resolve({ status: res.statusCode, body, headers: res.headers }));
      res.on('error', (error) => resolve({ status: 0, body: String(error) }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (error) => resolve({ status: 0, body: String(error) }));
  });
}
