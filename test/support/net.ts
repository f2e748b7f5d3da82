// A free TCP port on 127.0.0.1 for a server a test starts itself (Node-RED, its own redis-server).
import * as http from 'http';
import { AddressInfo } from 'net';

export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = http.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}
