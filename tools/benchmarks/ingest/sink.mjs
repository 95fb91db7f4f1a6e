// A loopback ingest sink in its own process: answers 200 "OK", counts datapoints and wire bytes.
// Talks to the parent over IPC: { cmd: 'reset' } and { cmd: 'stats' }.
import { createServer } from 'node:http';
import { gunzipSync } from 'node:zlib';

/** Counts DataPointUploadMessage records (field 1) without decoding them. */
function countRecords(body) {
  let pos = 0;
  let count = 0;
  while (pos < body.length) {
    pos++; // tag
    let length = 0;
    let shift = 1;
    let byte;
    do {
      byte = body[pos++];
      length += (byte & 127) * shift;
      shift *= 128;
    } while (byte & 128);
    pos += length;
    count++;
  }
  return count;
}

let stats = { datapoints: 0, wireBytes: 0, requests: 0, lastArrival: 0 };
const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const raw = Buffer.concat(chunks);
    const body = req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
    stats.datapoints += countRecords(body);
    stats.wireBytes += raw.length;
    stats.requests++;
    stats.lastArrival = Date.now();
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('"OK"');
  });
});
server.keepAliveTimeout = 30_000;
server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
process.on('message', (message) => {
  if (message.cmd === 'reset') {
    stats = { datapoints: 0, wireBytes: 0, requests: 0, lastArrival: 0 };
    process.send({ reset: true });
  } else if (message.cmd === 'stats') process.send({ stats });
  else if (message.cmd === 'exit') server.close(() => process.exit(0));
});
