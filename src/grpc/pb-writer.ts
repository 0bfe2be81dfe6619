/**
 * A minimal protobuf writer for the responses we send on every call. It writes nested messages in place
 * (a one-byte length is reserved and widened only for messages of 128 bytes or more), so a response costs one
 * buffer and no intermediate message objects.
 */

export class PbWriter {
  private buf: Buffer;
  private pos = 0;

  constructor(initial = 256) {
    this.buf = Buffer.allocUnsafe(initial);
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  /** An unsigned varint (0 <= v < 2^53). */
  varint(v: number): void {
    this.ensure(10);
    while (v > 0x7f) {
      this.buf[this.pos++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.pos++] = v;
  }

  /** A signed int32/int64 field value as protobuf encodes it (negatives take ten bytes). */
  int(v: number): void {
    if (v >= 0) return this.varint(v);
    const low = v | 0;
    this.ensure(10);
    // Two's complement over 64 bits: the sign bits fill the high word.
    let lo = low >>> 0;
    let hi = 0xffffffff;
    for (let i = 0; i < 9; i++) {
      this.buf[this.pos++] = (lo & 0x7f) | 0x80;
      lo = (lo >>> 7) | ((hi & 0x7f) << 25);
      hi >>>= 7;
    }
    this.buf[this.pos++] = 1;
  }

  tag(field: number, wireType: number): void {
    this.varint(field * 8 + wireType);
  }

  uintField(field: number, v: number): void {
    this.tag(field, 0);
    this.varint(v);
  }

  intField(field: number, v: number): void {
    this.tag(field, 0);
    this.int(v);
  }

  boolField(field: number, v: boolean): void {
    this.tag(field, 0);
    this.ensure(1);
    this.buf[this.pos++] = v ? 1 : 0;
  }

  doubleField(field: number, v: number): void {
    this.tag(field, 1);
    this.ensure(8);
    this.buf.writeDoubleLE(v, this.pos);
    this.pos += 8;
  }

  stringField(field: number, s: string): void {
    this.tag(field, 2);
    const len = Buffer.byteLength(s, 'utf8');
    this.varint(len);
    this.ensure(len);
    this.buf.write(s, this.pos, len, 'utf8');
    this.pos += len;
  }

  bytesField(field: number, b: Uint8Array): void {
    this.tag(field, 2);
    this.varint(b.length);
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /** Starts a length-delimited field; pass the result to end(). */
  begin(field: number): number {
    this.tag(field, 2);
    this.ensure(1);
    return this.pos++;
  }

  end(at: number): void {
    const len = this.pos - at - 1;
    if (len < 0x80) {
      this.buf[at] = len;
      return;
    }
    let size = 1;
    for (let v = len; v > 0x7f; v = Math.floor(v / 0x80)) size++;
    this.ensure(size - 1);
    this.buf.copyWithin(at + size, at + 1, this.pos);
    this.pos += size - 1;
    let v = len;
    let p = at;
    while (v > 0x7f) {
      this.buf[p++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[p] = v;
  }

  finish(): Buffer {
    return this.buf.subarray(0, this.pos);
  }
}
