/**
 * Hostile and well-behaved HTTP clients for the fault tests and the benchmark: a pipelining
 * flood that never reads its answers, a client that sends its request slowly, and a
 * polite client that measures how long its GETs take meanwhile.
 */
import http from 'node:http';
import net from 'node:net';

export interface PipelineFlood {
  /** Connections opened so far, the first ones included. */
  readonly opened: number;
  /** Connections the server closed. */
  readonly closedByServer: number;
  stop(): Promise<void>;
}

/**
 * `connections` connections that each write batches of `batch` pipelined GETs of `path`
 * as fast as the server takes them and never read a byte; a connection the server closes
 * is replaced at once, as an attacker would.
 */
export function startPipelineFlood(options: {
  port: number;
  path: string;
  connections: number;
  batch?: number;
}): PipelineFlood {
  const batch = Buffer.from(
    `GET ${options.path} HTTP/1.1\r\nHost: flood\r\n\r\n`.repeat(options.batch ?? 1000),
  );
  const sockets = new Set<net.Socket>();
  let stopped = false;
  let opened = 0;
  let closedByServer = 0;

  const open = () => {
    if (stopped) return;
    opened += 1;
    const socket = net.connect(options.port, '127.0.0.1');
    sockets.add(socket);
    // Never read: the answers pile up in the kernel, then in the server.
    socket.pause();
    const pump = () => {
      while (!stopped && socket.write(batch)) {
        // keep writing until the socket buffers are full; 'drain' resumes
      }
    };
    socket.on('connect', pump);
    socket.on('drain', pump);
    socket.on('error', () => {
      // reset by the server: expected
    });
    socket.on('close', () => {
      sockets.delete(socket);
      if (stopped) return;
      closedByServer += 1;
      setImmediate(open);
    });
  };
  for (let i = 0; i < options.connections; i++) open();

  return {
    get opened() {
      return opened;
    },
    get closedByServer() {
      return closedByServer;
    },
    async stop() {
      stopped = true;
      const closing = [...sockets].map(
        (socket) => new Promise<void>((resolve) => socket.once('close', () => resolve())),
      );
      for (const socket of sockets) socket.destroy();
      await Promise.all(closing);
    },
  };
}

export interface TimedGet {
  status: number | string;
  ms: number;
}

/** One GET on a new connection; the status, or the error code, and how long it took. */
export function timedGet(url: string, timeoutMs = 5_000): Promise<TimedGet> {
  const started = performance.now();
  return new Promise((resolve) => {
    const request = http.get(url, { agent: false, timeout: timeoutMs }, (response) => {
      response.resume();
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, ms: performance.now() - started }),
      );
      response.on('error', (error: NodeJS.ErrnoException) =>
        resolve({ status: error.code ?? 'error', ms: performance.now() - started }),
      );
    });
    request.on('timeout', () => request.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
    request.on('error', (error: NodeJS.ErrnoException) =>
      resolve({ status: error.code ?? 'error', ms: performance.now() - started }),
    );
  });
}

/** GETs `url` one after another, `pauseMs` apart, until `until` resolves; every answer. */
export async function politeClient(url: string, until: Promise<unknown>, pauseMs = 100): Promise<TimedGet[]> {
  let done = false;
  void until.then(() => {
    done = true;
  });
  const answers: TimedGet[] = [];
  while (!done) {
    answers.push(await timedGet(url));
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
  }
  return answers;
}

/**
 * Sends `head` (a request's start) and then nothing more, and resolves with what the
 * server answered and when it closed the connection, in ms after the connection opened.
 */
export function slowRequest(port: number, head: string): Promise<{ answer: string; closedAfterMs: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const socket = net.connect(port, '127.0.0.1', () => socket.write(head));
    let answer = '';
    socket.setEncoding('utf8').on('data', (chunk: string) => {
      answer += chunk;
    });
    socket.on('error', reject);
    socket.on('close', () => resolve({ answer, closedAfterMs: performance.now() - started }));
  });
}
