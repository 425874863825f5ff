"""Graft's sfc32 generator (data/rng.ts), bit for bit: the same seed draws the same shuffles and
augmentations in both engines, and its state (four 32-bit words) goes into checkpoints."""
M = 0xFFFFFFFF


def _imul(a, b):
    return (a * b) & M


class Rng:
    def __init__(self, seed=0):
        x = seed & M
        s = [0, 0, 0, 0]
        for i in range(4):
            x = (x + 0x9E3779B9) & M
            z = x
            z = _imul(z ^ (z >> 16), 0x85EBCA6B)
            z = _imul(z ^ (z >> 13), 0xC2B2AE35)
            s[i] = (z ^ (z >> 16)) & M
        self.s = s
        for _ in range(12):
            self.next_uint32()

    @staticmethod
    def from_state(state):
        if len(state) != 4 or any(not (0 <= int(v) <= M) for v in state):
            raise ValueError(f"Invalid random state: expected four 32-bit integers, got {state}")
        r = Rng(0)
        r.s = [int(v) for v in state]
        return r

    def state(self):
        return list(self.s)

    def next_uint32(self):
        a, b, c, d = self.s
        t = (a + b + d) & M
        self.s = [
            (b ^ (b >> 9)) & M,
            (c + ((c << 3) & M)) & M,
            ((((c << 21) & M) | (c >> 11)) + t) & M,
            (d + 1) & M,
        ]
        return t

    def next(self):
        return self.next_uint32() / 4294967296

    def int(self, n):
        return int(self.next() * n)

    def permutation(self, n):
        p = list(range(n))
        for i in range(n - 1, 0, -1):
            j = self.int(i + 1)
            p[i], p[j] = p[j], p[i]
        return p
