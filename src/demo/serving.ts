// What both in-process DNS servers (the resolver of dns-server.ts, the authoritative servers of
// auth-server.ts) need: reading a query, and DNS over TCP's two-byte length framing (RFC 7766).
import type net from 'node:net';
import packet from 'dns-packet';

/** A query and its question, or null for garbage or a question-less message. */
export function readQuery(msg: Buffer): { query: packet.Packet; question: packet.Question } | null {
  let query: packet.Packet;
  try {
    query = packet.decode(msg);
  } catch {
    return null;
  }
  const question = query.questions?.[0];
  return question ? { query, question } : null;
}

/** Answer each framed message on a TCP connection with `respond` (null: no answer). */
export function serveFramed(socket: net.Socket, respond: (msg: Buffer) => Buffer | null): void {
  let buffered = Buffer.alloc(0);
  socket.on('data', (chunk) => {
    buffered = Buffer.concat([buffered, chunk]);
    while (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) {
      const msg = buffered.subarray(2, 2 + buffered.readUInt16BE(0));
      buffered = buffered.subarray(2 + msg.length);
      const reply = respond(msg);
      if (!reply) continue;
      const framed = Buffer.alloc(reply.length + 2);
      framed.writeUInt16BE(reply.length, 0);
      reply.copy(framed, 2);
      socket.write(framed);
    }
  });
}
