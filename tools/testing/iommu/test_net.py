#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Unit tests of net.py, the host's end of kselftest iommu_net.

Run directly (python3 test_net.py) or through make check, which reports
each case as harness.net.<case>.
"""

import os
import socket
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import net  # noqa: E402


class TrafficServerTest(unittest.TestCase):
    """The host's end of kselftest iommu_net, against a fake guest."""

    def talk(self, corrupt_at=None):
        server = net.TrafficServer()
        seed, nbytes = 12345, 4 * net.NET_BLOCK
        base = net.splitmix64_bytes(seed, net.NET_BLOCK)
        data = b''.join(net.net_stream_block(base, k)
                        for k in range(nbytes // net.NET_BLOCK))
        if corrupt_at is not None:
            data = data[:corrupt_at] + b'\0' + data[corrupt_at + 1:]
        with socket.create_connection(('127.0.0.1', server.port)) as s:
            s.sendall(f'IOMMU-NET e1000e {seed} {nbytes}\n'.encode() + data)
            f = s.makefile('rb')
            line = f.readline().decode().strip()
            reply = f.read(nbytes) if line.startswith('OK') else b''
        server.close()
        return line, reply, server.take()

    def test_a_good_stream_is_checked_and_answered(self):
        line, reply, seen = self.talk()
        self.assertEqual(line, f'OK {4 * net.NET_BLOCK}')
        base = net.splitmix64_bytes(12345 ^ net.NET_REPLY_SEED,
                                        net.NET_BLOCK)
        self.assertEqual(reply[:net.NET_BLOCK],
                         net.net_stream_block(base, 0))
        self.assertTrue(seen['e1000e'].ok)

    def test_a_bad_byte_is_found(self):
        line, _, seen = self.talk(corrupt_at=net.NET_BLOCK + 7)
        self.assertEqual(line, f'BAD {net.NET_BLOCK + 7}')
        self.assertFalse(seen['e1000e'].ok)

    def test_the_generator_is_splitmix64(self):
        # The first output of SplitMix64 seeded with 0.
        self.assertEqual(net.splitmix64_bytes(0, 8),
                         (0xe220a8397b1dcdaf).to_bytes(8, 'little'))


if __name__ == '__main__':
    unittest.main()
