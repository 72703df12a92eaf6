// Does a registry on this machine speak plain HTTP? Asked without TLS. When plain http
// is allowed (--tls-verify=false, `insecure`), https is still tried first and http only
// when the server answers the TLS hello in plain HTTP (as podman does); Node learns
// that by loading tls and starting a handshake, ~20 ms of CPU for a local registry.
// Here a small TLS 1.2 ClientHello goes over a plain socket: an `HTTP/` reply is the
// very answer the https attempt fails on (EPROTO). Any other outcome (a TLS reply, an
// error, silence) says nothing, and https is tried as usual. Only for loopback with
// an explicit port: the port is the same for both schemes, and the extra connection
// costs no round trip (against a remote TLS registry it would cost one).
import net from 'node:net';

const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])$/;

/** A ClientHello with one cipher suite and one group; the group's extension type (0x000a) is the newline an HTTP server reads the request line up to. */
const HELLO = (() => {
  const u16 = (n: number) => [n >> 8, n & 0xff];
  const ext = [0x00, 0x0a, ...u16(4), ...u16(2), 0x00, 0x1d];
  const body = [0x03, 0x03, ...new Array<number>(32).fill(0x5a), 0x00, ...u16(2), 0xc0, 0x2f, 0x01, 0x00, ...u16(ext.length), ...ext];
  const handshake = [0x01, 0x00, ...u16(body.length), ...body];
  return Buffer.from([0x16, 0x03, 0x01, ...u16(handshake.length), ...handshake]);
})();

/** True when `host` (host:port) is on this machine and answers a TLS hello in plain HTTP. */
export function answersPlainHttp(host: string, timeoutMs = 2000): Promise<boolean> {
  let url: URL;
  try {
    url = new URL(`https://${host}/`);
  } catch {
    return Promise.resolve(false);
  }
  if (url.port === `` || !LOOPBACK.test(url.hostname)) return Promise.resolve(false);
  return new Promise(resolve => {
    const socket = net.connect({host: url.hostname.replace(/^\[|\]$/g, ``), port: Number(url.port)});
    let got = Buffer.alloc(0);
    const done = (plain: boolean) => {
      socket.destroy();
      resolve(plain);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.on(`error`, () => done(false));
    socket.on(`close`, () => done(false));
    socket.on(`connect`, () => socket.write(HELLO));
    socket.on(`data`, (d: Buffer) => {
      got = Buffer.concat([got, d]);
      if (got.length >= 5 || !`HTTP/`.startsWith(got.toString(`latin1`))) done(got.subarray(0, 5).toString(`latin1`) === `HTTP/`);
    });
  });
}
