// Domain names on the wire, decoded as dns-packet's name.decode decodes them (a test holds the two
// equal on arbitrary bytes). Loading dns-packet costs a run's start-up more than this codec
// (README "Speed"); the in-process test and demo servers still use it.

/** Longest name in presentation form plus its dot (RFC 1035 §3.1: 255 octets on the wire). */
const MAX_NAME_TEXT = 254;

/**
 * The domain-name codec's decoder (RFC 1035 §3.1, §4.1.4): labels as UTF-8 text joined by dots,
 * '.' for the root; compression pointers only to earlier bytes. `bytes` is what the name takes
 * where it stands (a pointer counts 2). Errors and results are dns-packet's name.decode's.
 */
export const domainName = {
  decode(buf: Buffer, start: number): { name: string; bytes: number } {
    let offset = start;
    let floor = start; // a pointer must lead before the bytes already read
    let consumed = 0;
    let jumped = false;
    let total = 0;
    let name = '';
    for (;;) {
      if (offset >= buf.length) throw new Error('Cannot decode name (buffer overflow)');
      const len = buf[offset++]!;
      if (!jumped) consumed++;
      if (len === 0) break;
      if ((len & 0xc0) === 0) {
        if (offset + len > buf.length) throw new Error('Cannot decode name (buffer overflow)');
        total += len + 1;
        if (total > MAX_NAME_TEXT) throw new Error('Cannot decode name (name too long)');
        const label = buf.toString('utf8', offset, offset + len);
        name = total === len + 1 ? label : `${name}.${label}`; // the first label, or one more
        offset += len;
        if (!jumped) consumed += len;
      } else if ((len & 0xc0) === 0xc0) {
        if (offset + 1 > buf.length) throw new Error('Cannot decode name (buffer overflow)');
        const target = buf.readUInt16BE(offset - 1) - 0xc000;
        if (target >= floor) throw new Error('Cannot decode name (bad pointer)');
        offset = target;
        floor = target;
        if (!jumped) consumed++;
        jumped = true;
      } else {
        throw new Error('Cannot decode name (bad label)');
      }
    }
    return { name: total === 0 ? '.' : name, bytes: consumed };
  },
};
