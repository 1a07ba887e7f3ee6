# SPDX-License-Identifier: GPL-2.0
"""The host's end of kselftest iommu_net.

The guest's two network cards, e1000e and virtio-net, each reach the host's
loopback through a QEMU user network of its own.  iommu_net sends a stream
through each card to a TrafficServer, which checks every byte and sends a
stream back; check_net() turns what the server saw into the results
net.<card>.host_checked.
"""

import socket
import struct
import threading
import typing

NET_BLOCK = 64 << 10
NET_BLOCK_MULT = 0x9e3779b97f4a7c15
NET_REPLY_SEED = 0x5deece66d
U64 = (1 << 64) - 1


def splitmix64_bytes(seed, nbytes):
    """What prng_fill() of iommu_test_util.h writes for @seed."""
    state, words = seed, []
    for _ in range(nbytes // 8):
        state = (state + 0x9e3779b97f4a7c15) & U64
        z = state
        z = ((z ^ (z >> 30)) * 0xbf58476d1ce4e5b9) & U64
        z = ((z ^ (z >> 27)) * 0x94d049bb133111eb) & U64
        words.append(z ^ (z >> 31))
    return struct.pack(f'<{len(words)}Q', *words)


def net_stream_block(base, k):
    """Block @k of the stream whose first block, before the XOR, is
    @base (kselftest iommu_net)."""
    word = struct.pack('<Q', ((k + 1) * NET_BLOCK_MULT) & U64)
    mask = int.from_bytes(word * (len(base) // 8), 'little')
    return (int.from_bytes(base, 'little') ^ mask).to_bytes(len(base),
                                                             'little')


class Received(typing.NamedTuple):
    """What the server made of one card's stream."""
    ok: bool
    detail: str


class TrafficServer:
    """The server kselftest iommu_net talks to, on the host's loopback.

    Each connection sends "IOMMU-NET <card> <seed> <bytes>" and that many
    bytes of its stream; the server checks them, answers "OK <bytes>" (or
    "BAD <offset>") and sends the reply stream.  take() returns, per card,
    a Received that says whether what it sent arrived intact, and forgets
    it.
    """

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(('127.0.0.1', 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.lock = threading.Lock()
        self.seen = {}
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,),
                             daemon=True).start()

    def _record(self, card, ok, detail):
        with self.lock:
            self.seen[card] = Received(ok, detail)

    def _serve(self, conn):
        card = '?'
        with conn, conn.makefile('rb') as f:
            try:
                head = f.readline().decode('ascii', 'replace').split()
                if len(head) != 4 or head[0] != 'IOMMU-NET':
                    return
                card, seed, nbytes = head[1], int(head[2]), int(head[3])
                base = splitmix64_bytes(seed, NET_BLOCK)
                bad = None
                for k in range(nbytes // NET_BLOCK):
                    got = f.read(NET_BLOCK)
                    if got != net_stream_block(base, k) and bad is None:
                        bad = k * NET_BLOCK + next(
                            (i for i, (a, b) in enumerate(
                                zip(got, net_stream_block(base, k)))
                             if a != b), len(got))
                # The verdict is kept before the guest hears it, so that
                # it is there as soon as the guest goes on.
                if bad is not None:
                    self._record(card, False, f'byte {bad} of {nbytes} '
                                 'from the guest differs')
                    conn.sendall(f'BAD {bad}\n'.encode())
                    return
                self._record(card, True, f'{nbytes} bytes checked')
                conn.sendall(f'OK {nbytes}\n'.encode())
                base = splitmix64_bytes(seed ^ NET_REPLY_SEED, NET_BLOCK)
                for k in range(nbytes // NET_BLOCK):
                    conn.sendall(net_stream_block(base, k))
            except (OSError, ValueError) as err:
                self._record(card, False, f'connection failed: {err}')

    def take(self):
        with self.lock:
            seen, self.seen = self.seen, {}
        return seen

    def close(self):
        self.sock.close()


NET_CARDS = ('e1000e', 'virtio_net')


def check_net(seen, results, expected):
    """Each card's stream reached the host intact (the host's half of
    kselftest iommu_net), if that test ran in the boot; @seen is what the
    boot's TrafficServer took."""
    if 'iommu_net' not in expected:
        return
    for card in NET_CARDS:
        got = seen.get(card, Received(False, 'nothing arrived from it'))
        results.add(got.ok, f'net.{card}.host_checked',
                    '' if got.ok else got.detail)


# --------------------------------------------------------------------------
