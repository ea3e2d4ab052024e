// conmon serves a container's stdio on `<bundle>/attach`, a SOCK_SEQPACKET unix socket: each
// packet it sends is one byte naming the stream (2 stdout, 3 stderr) followed by the data;
// every packet we send is written to the container's stdin, and shutting down our write side
// closes that stdin (unless conmon runs with --leave-stdin-open).
//
// Node cannot open SOCK_SEQPACKET sockets (net.Socket is stream-only), so a small relay does:
// a Perl script (perl-base is Essential in Debian, and its Socket module knows SEQPACKET)
// connects, turns packets into frames on its stdout — [stream:1][length:4, big-endian][data] —
// and forwards its stdin as packets. It first sends a frame of stream 0 and length 0 to say
// the connection is up. The script is ours; it is passed with `perl -e`.

import { Transform, type TransformCallback } from "node:stream";

export const relayReadyStream = 0;
export const stdoutStream = 2;
export const stderrStream = 3;

export const relayScript = String.raw`
use strict; use warnings; use Socket;
my ($name, $want_stdin) = @ARGV;
socket(my $s, AF_UNIX, SOCK_SEQPACKET, 0) or die "socket: $!\n";
connect($s, pack_sockaddr_un($name)) or die "connect $name: $!\n";
binmode(STDIN); binmode(STDOUT);
sub out { my ($d) = @_; while (length $d) { my $n = syswrite(STDOUT, $d); die "write: $!\n" unless defined $n; substr($d, 0, $n) = ""; } }
out(pack("CN", 0, 0));
my $stdin_open = $want_stdin eq "1";
while (1) {
  my $rin = "";
  vec($rin, fileno($s), 1) = 1;
  vec($rin, fileno(STDIN), 1) = 1 if $stdin_open;
  my $n = select(my $rout = $rin, undef, undef, undef);
  if ($n < 0) { next if $!{EINTR}; die "select: $!\n"; }
  if (vec($rout, fileno($s), 1)) {
    my $buf = "";
    my $r = sysread($s, $buf, 65536);
    die "read: $!\n" unless defined $r;
    last if $r == 0;
    out(pack("CN", ord(substr($buf, 0, 1)), $r - 1) . substr($buf, 1));
  }
  if ($stdin_open && vec($rout, fileno(STDIN), 1)) {
    my $buf = "";
    my $r = sysread(STDIN, $buf, 8192);
    if (!$r) { shutdown($s, 1); $stdin_open = 0; }
    else { defined(send($s, $buf, 0)) or die "send: $!\n"; }
  }
}
`;

export interface RelayFrame {
  stream: number;
  data: Buffer;
}

/** Splits the relay's byte stream back into frames (object mode output). */
export class FrameDecoder extends Transform {
  private buf: Buffer = Buffer.alloc(0);

  constructor() {
    super({ readableObjectMode: true });
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    while (this.buf.length >= 5) {
      const len = this.buf.readUInt32BE(1);
      if (this.buf.length < 5 + len) break;
      this.push({ stream: this.buf[0], data: Buffer.from(this.buf.subarray(5, 5 + len)) } satisfies RelayFrame);
      this.buf = this.buf.subarray(5 + len);
    }
    cb();
  }
}
