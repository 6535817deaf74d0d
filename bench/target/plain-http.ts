// One plain-HTTP request (node:http), for the target's metrics port: GET /metrics, the publisher's
// control. Not fetch: a client whose event loop is busy receiving thousands of messages takes one
// turn per step of a request, and fetch's many steps timed a publisher stop out after 10 s under
// Node 22 (1,000 subscribers on the web transport); node:http has a few.
// Each request on its own connection (agent: false): the global agent keeps connections alive, and
// the server closes an idle one after its keepAliveTimeout (5 s in Node, about a tier), so a stop
// sent on the start's connection as it closed failed with "socket hang up" (1 run in 3 at 1,000
// subscribers). A few requests per tier gain nothing from reuse.
import { request } from 'node:http';

export interface PlainResponse {
  status: number;
  body: string;
}

export function plainHttp(method: 'GET' | 'POST', host: string, port: number, path: string, headers: Record<string, string>, timeoutMs: number): Promise<PlainResponse> {
  return new Promise((resolve, reject) => {
    const req = request({ host, port, path, method, headers, timeout: timeoutMs, agent: false }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      response.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}
