#!/usr/bin/env python3
"""Discretised density evolution of belief propagation on the binary symmetric channel.

Thresholds of LDPC ensembles (variable and check degree distributions) under sum-product
decoding, for the degree-profile design of `qkdpp codegen` (docs/codes.md). The all-zero word is
sent (BP on the BSC is symmetric); densities are those of the log-likelihood ratios.

- Variable nodes: LLR densities on a uniform grid (step DX, clipped at +-LMAX); the sum of the
  channel value and i - 1 check messages is a convolution, taken through one FFT per iteration
  for all degrees at once; mass beyond the grid saturates into the end bins.
- Check nodes: in the G domain, G(x) = (sign x, ln coth |x|/2), where the tanh rule becomes a sum;
  the sign is carried by the sum and difference of the two sign-conditioned densities, each
  convolved through FFTs on a uniform grid (step DY). An LLR of exactly 0 (or any sum reaching
  past the grid) is an erasure: the check's output is 0. ln coth(x/2) is its own inverse, so the
  way back uses the same function.

The discretisation is pessimistic and its thresholds are checked against known values by
`--selftest`: the (3,6)-regular ensemble's BP threshold on the BSC is 0.084 (Richardson and
Urbanke, Modern Coding Theory, table 4.118).

The fast decoder's 8-bit min-sum rules are evolved exactly on its integer grid (order statistics
of the input magnitudes): the protocol's single-offset rule (`--decoder ms8`) and the offset rule
with one offset per receiving column degree (`--decoder ms8deg`, class RingMinSum).

    usage: tools/density_evolution.py --selftest
           tools/density_evolution.py --var 2:0.22,3:0.58,6:0.047,12:0.156 --rate 0.78
               (an unstructured ensemble, node-perspective degree shares; concentrated checks)
           tools/density_evolution.py --search --rate 0.74 --start 12:20,6:6
               [--decoder bp|ms8|ms8deg] [--base-cols 128] [--evals 150] [--seed 1]
               (hill climbing of the construction's information-column degrees: docs/codes.md)
"""
import argparse
import math
import sys

import numpy as np

DX = 0.05       # LLR grid step
LMAX = 30.0     # LLR clip
DY = 0.0005     # G-domain grid step


def h2(p):
    return -p * math.log2(p) - (1 - p) * math.log2(1 - p)


def phi(x):
    """ln coth(x / 2) for x > 0, elementwise; its own inverse."""
    return -np.log(np.tanh(x / 2.0))


NOISE = 1e-14   # FFT round-off: smaller probabilities are set to 0


def denoise(d):
    """Round-off of FFT convolutions removed: without it, noise at the clip values (certain
    wrong messages) is amplified from one iteration to the next."""
    return np.where(d < NOISE, 0.0, d)


def converge(step, max_iter, target):
    """(converged, iterations) of an evolution: step() runs one iteration and returns the
    message error probability; converged below target, not converged once it has stopped
    falling for 20 iterations or after max_iter."""
    last, stall = 1.0, 0
    for it in range(max_iter):
        pe = step()
        if pe < target:
            return True, it + 1
        if pe > last * (1 - 1e-7):
            stall += 1
            if stall > 20:
                return False, it + 1
        else:
            stall = 0
        last = pe
    return False, max_iter


def bisect_threshold(converges, lo, hi, tol):
    """The largest QBER in [lo, hi] (to tol) at which converges(p) holds."""
    while hi - lo > tol:
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if converges(mid) else (lo, mid)
    return lo


class Grid:
    def __init__(self, dx=DX, lmax=LMAX, dy=DY):
        self.dx, self.dy = dx, dy
        self.k = int(round(lmax / dx))
        self.n = 2 * self.k + 1
        self.x = (np.arange(self.n) - self.k) * dx
        # G-domain grid: bins 0 .. ny - 1 cover y in [0, ymax); y >= ymax is an erasure.
        self.ymax = float(phi(np.array([dx / 2]))[0])
        self.ny = int(math.ceil(self.ymax / dy))
        # LLR bin -> G bin (positive magnitudes only; the zero bin is an erasure).
        mags = np.arange(1, self.k + 1) * dx
        yb = np.rint(phi(mags) / dy).astype(np.int64)
        self.x_to_y = np.minimum(yb, self.ny)  # ny = erasure
        # magnitudes from this bin on map to G bin 0 ("strong" messages)
        self.strong_from = int(np.argmax(yb == 0)) + 1 if (yb == 0).any() else self.k + 1
        # G bin -> LLR magnitude bin: bin j stands for y = j dy; bin 0 (y = 0, a certain bit)
        # returns as the clip value.
        ys = np.arange(1, self.ny) * dy
        xb = np.rint(phi(ys) / dx).astype(np.int64)
        self.y_to_x = np.concatenate(([self.k], np.minimum(xb, self.k)))

    def channel(self, p):
        """LLR density of the BSC with crossover p, all-zero word sent."""
        c = math.log((1 - p) / p)
        d = np.zeros(self.n)
        b = int(round(c / self.dx))
        d[self.k + b] += 1 - p
        d[self.k - b] += p
        return d

    def erasure(self):
        """The density of an LLR of exactly 0 (a punctured bit's channel value)."""
        d = np.zeros(self.n)
        d[self.k] = 1.0
        return d

    def error(self, v):
        """Error probability of a message density (an LLR of 0 counts half)."""
        return v[:self.k].sum() + 0.5 * v[self.k]

    def tails(self, v):
        """(T+ + T-, T+ - T-) for magnitudes m = 1 .. k: T+(m) = P(x >= m dx), T-(m) =
        P(x <= -m dx). A product of such pairs over a check's inputs gives the law of their
        smallest magnitude and sign parity (see min_law)."""
        tp = np.cumsum(v[self.k + 1:][::-1])[::-1]
        tn = np.cumsum(v[:self.k])[::-1]
        return tp + tn, tp - tn

    def fold(self, dens, m):
        """The density of a sum of m grid densities (dens: their linear convolution, each
        offset by -k bins) clipped back onto the grid: mass beyond +-k saturates."""
        centre = m * self.k
        part = dens[centre - self.k:centre + self.k + 1].copy()
        part[0] += dens[:centre - self.k].sum()
        part[-1] += dens[centre + self.k + 1:].sum()
        return part

    def place(self, plus, minus, mags):
        """A message density from the masses of positive and negative messages at the
        magnitude bins mags; the remaining mass goes to 0."""
        c = np.bincount(self.k + mags, plus, self.n) + np.bincount(self.k - mags, minus, self.n)
        c[self.k] += max(0.0, 1.0 - c.sum())
        return c


def tail_product(tails, exps):
    """prod_u (T+ + T-)_u^e_u and prod_u (T+ - T-)_u^e_u over exps[u] inputs of type u."""
    a = b = 1.0
    for (ta, tb), e in zip(tails, exps):
        if e:
            a = a * ta ** e
            b = b * tb ** e
    return a, b


def min_law(products):
    """Point masses (positive, negative) of the smallest input magnitude with the inputs' sign
    parity, per magnitude bin, from weighted products (w, prod (T+ + T-), prod (T+ - T-)) over a
    check's other inputs (Grid.tails): P(out >= m) = (A + B) / 2, P(out <= -m) = (A - B) / 2."""
    cp = cn = 0.0
    for w, a, b in products:
        cp = cp + w * (a + b) / 2
        cn = cn + w * (a - b) / 2
    return (np.maximum(cp - np.append(cp[1:], 0.0), 0),
            np.maximum(cn - np.append(cn[1:], 0.0), 0))


class Evolution:
    """Density evolution over edge types (multi-edge-type ensembles, Richardson and Urbanke).

    var_terms[t] / chk_terms[t]: the mixture seen by an outgoing message on an edge of type t,
    a list of (weight, exps) with exps[u] the number of incoming messages of type u (the other
    edges of the node; a variable node adds the channel value). A variable term may carry a third
    entry, True for punctured nodes: their channel value is an erasure (LLR 0), and so is every
    message they send before the first check update (the decoder's start; evolving from the
    channel density there instead lands on the all-correct fixed point beyond Shannon's limit)."""

    def __init__(self, var_terms, chk_terms, grid=None, rule=None):
        """rule: None for belief propagation, or a MinSumRule for the fixed-point min-sum
        decoder (the grid step is then its unit: 1 / llr_scale)."""
        self.g = grid or Grid()
        self.rule = rule
        self.var_terms = [[(t[0], tuple(t[1]), len(t) > 2 and bool(t[2])) for t in terms if t[0] > 0]
                          for terms in var_terms]
        self.chk_terms = [[(w, tuple(e)) for w, e in terms if w > 0] for terms in chk_terms]
        self.types = len(var_terms)
        for terms in self.var_terms + self.chk_terms:
            assert abs(sum(t[0] for t in terms) - 1) < 1e-9
        most = max(sum(t[1]) for terms in self.var_terms for t in terms) + 1
        self.vsize = 1 << int(math.ceil(math.log2(most * self.g.n + 2)))
        self.csize = 1 << int(math.ceil(math.log2(2 * self.g.ny)))
        # The punctured nodes' channel spectrum, once (None when no term is punctured).
        punctured = any(t[2] for terms in self.var_terms for t in terms)
        self.fer = np.fft.rfft(self.g.erasure(), self.vsize) if punctured else None

    @classmethod
    def regular(cls, dv, dc, grid=None):
        return cls([[(1.0, [dv - 1])]], [[(1.0, [dc - 1])]], grid)

    @classmethod
    def irregular(cls, var_nodes, rho, grid=None, punctured=None):
        """One edge type: node-perspective variable degrees, edge-perspective check degrees;
        punctured: further nodes never sent, D: share relative to var_nodes (which sum to 1)."""
        punctured = punctured or {}
        edges = sum(d * s for d, s in var_nodes.items()) + sum(d * s for d, s in punctured.items())
        lam = [(d * s / edges, [d - 1]) for d, s in var_nodes.items()]
        lam += [(d * s / edges, [d - 1], True) for d, s in punctured.items()]
        return cls([lam], [[(r, [d - 1]) for d, r in rho.items()]], grid)

    def _mul(self, a, b):
        f = self.csize
        return np.fft.irfft(np.fft.rfft(a, f) * np.fft.rfft(b, f), f)[:self.g.ny]

    def _power(self, cache, e):
        """cache: {1: x, 2: x*x, 4: ...} extended on demand; x^(*e) truncated, None for e = 0."""
        acc = None
        bit = 1
        while bit <= e:
            if bit not in cache:
                cache[bit] = self._mul(cache[bit // 2], cache[bit // 2])
            if e & bit:
                acc = cache[bit] if acc is None else self._mul(acc, cache[bit])
            bit *= 2
        return acc

    def check(self, vs):
        """Check-to-variable densities per edge type from the variable-to-check ones."""
        if self.rule is not None:
            return self.check_min_sum(vs)
        g = self.g
        m0 = g.strong_from
        sums, diffs, tails = [], [], []
        for v in vs:
            pos = v[g.k + 1:]
            neg = v[g.k - 1::-1]
            sums.append({1: np.bincount(g.x_to_y, pos + neg, g.ny + 1)[:g.ny]})  # ny: erasure
            diffs.append({1: np.bincount(g.x_to_y, pos - neg, g.ny + 1)[:g.ny]})
            tails.append(tuple(t[m0 - 1:] for t in g.tails(v)))  # strong magnitudes m0 .. k
        out = []
        for terms in self.chk_terms:
            out_s = np.zeros(g.ny)
            out_d = np.zeros(g.ny)
            strong = []
            for w, exps in terms:
                acc_s = acc_d = None
                for u, e in enumerate(exps):
                    if e == 0:
                        continue
                    ps, pd = self._power(sums[u], e), self._power(diffs[u], e)
                    acc_s = ps if acc_s is None else self._mul(acc_s, ps)
                    acc_d = pd if acc_d is None else self._mul(acc_d, pd)
                out_s += w * acc_s
                out_d += w * acc_d
                strong.append((w, *tail_product(tails, exps)))
            plus = denoise((out_s + out_d) / 2)
            minus = denoise((out_s - out_d) / 2)
            # G bin 0 holds the checks whose inputs are all strong (|x| >= X0, y < dy / 2).
            # Their magnitude is about the smallest input magnitude (ln of a sum of e^-x_i) and
            # their sign the parity of the inputs' (min_law over the strong magnitudes; so a
            # wrong output takes a wrong input's, typically small, magnitude).
            strong0 = plus[0] + minus[0]
            plus[0] = minus[0] = 0.0
            dp, dn = min_law(strong)
            total = dp.sum() + dn.sum()
            if strong0 > 0 and total > 0:
                plus = np.concatenate((plus, dp * (strong0 / total)))
                minus = np.concatenate((minus, dn * (strong0 / total)))
            else:
                dp = dn = np.zeros(0)
            mags = np.concatenate((g.y_to_x, np.arange(m0, g.k + 1)[:len(dp)]))
            out.append(g.place(plus, minus, mags))
        return out

    def check_min_sum(self, vs):
        """Min-sum: the output's magnitude is the smallest input magnitude, its sign the
        parity of the inputs' (order statistics, exact on the grid: with T+(m), T-(m) the shares
        of inputs >= m and <= -m, the output is >= m with probability (prod (T+ + T-) +
        prod (T+ - T-)) / 2); then the decoder's correction g and clip, on its integer units."""
        g = self.g
        tails = [g.tails(v) for v in vs]
        mags = self.rule.correct(np.arange(1, g.k + 1))
        return [g.place(*min_law((w, *tail_product(tails, exps)) for w, exps in terms), mags)
                for terms in self.chk_terms]

    def variable(self, ch, cs):
        """Variable-to-check densities per edge type: channel plus the incoming messages."""
        g = self.g
        size = self.vsize
        fch = np.fft.rfft(ch, size)
        fcs = [np.fft.rfft(c, size) for c in cs]
        out = []
        for terms in self.var_terms:
            acc = np.zeros(g.n)
            for w, exps, punctured in terms:
                spec = (self.fer if punctured else fch).copy()
                for u, e in enumerate(exps):
                    if e:
                        spec *= fcs[u] ** e
                m = sum(exps) + 1  # the channel and the incoming messages
                acc += w * g.fold(denoise(np.fft.irfft(spec, size)[: m * (g.n - 1) + 1]), m)
            s = acc.sum()
            out.append(acc / s if s > 0 else acc)
        return out

    def run(self, p, max_iter=3000, target=1e-7):
        """(converged, iterations): converged when every edge type's message error probability
        falls below target; not converged when it stops falling for 20 iterations."""
        g = self.g
        if self.rule is not None:
            # Quantised min-sum has error floors of 1e-7 .. 1e-6 (messages cancelling exactly
            # on the integer grid, offsets zeroing small ones): success is falling below 1e-5.
            target = max(target, 1e-5)
        ch = g.channel(p)
        # First messages: the channel value, or an erasure from punctured nodes.
        vs = []
        for terms in self.var_terms:
            share = sum(w for w, _, punctured in terms if punctured)
            vs.append((1 - share) * ch + share * g.erasure())

        def step():
            nonlocal vs
            vs = self.variable(ch, self.check(vs))
            return max(g.error(v) for v in vs)

        return converge(step, max_iter, target)

    def threshold(self, lo=1e-4, hi=0.2, tol=1e-5, max_iter=3000):
        return bisect_threshold(lambda p: self.run(p, max_iter=max_iter)[0], lo, hi, tol)


class MinSumRule:
    """The fast decoder's check rule on its integer units (docs/decoders.md): offset min-sum
    g(m) = max(m - offset, 0), or scaled offset g(m) = max(round(factor m) - offset, 0), clipped
    at the message limit."""

    def __init__(self, offset, factor=None, limit=127):
        self.offset, self.factor, self.limit = offset, factor, limit

    def correct(self, m):
        if self.factor is not None:
            m = np.floor(self.factor * m + 0.5).astype(np.int64)
        return np.clip(m - self.offset, 0, self.limit).astype(np.int64)

    @staticmethod
    def protocol(mean_check_degree, scale=8):
        """The rule the protocol's 8-bit decoder uses on a code of this mean check degree."""
        if mean_check_degree >= 24:
            return MinSumRule(offset=round(0.375 * scale), factor=0.875)
        return MinSumRule(offset=round(0.5 * scale))


def min_sum_grid(scale=8):
    """The 8-bit decoder's units: 1 / scale LLR per step; posteriors are 16-bit (no clip
    reached in practice), so the variable side keeps LLRs up to 60."""
    return Grid(dx=1.0 / scale, lmax=60.0, dy=0.004)


def ring_checks(base_rows, info_counts):
    """(information edges, their mean per check, {check information degree: check share}) of
    the construction: information edges spread so that check degrees differ by at most one."""
    edges = sum(d * c for d, c in info_counts.items())
    mean = edges / base_rows
    lo = int(math.floor(mean))
    checks = {lo: 1 - (mean - lo), lo + 1: mean - lo}  # lo + 1 for the remainder
    return edges, mean, {j: q for j, q in checks.items() if q > 1e-12}


def ring_ensemble(base_rows, info_counts, grid=None, decoder="bp"):
    """The construction's ensemble: base_rows degree-2 columns in a ring (edge type 0: every
    check has exactly two such edges) and information columns (edge type 1) with info_counts
    {degree: base columns}, spread so that check degrees differ by at most one."""
    edges, mean, checks = ring_checks(base_rows, info_counts)
    var_ring = [(1.0, [1, 0])]
    var_info = [(d * c / edges, [0, d - 1]) for d, c in info_counts.items() if c]
    chk_ring = [(q, [1, j]) for j, q in checks.items()]
    chk_info = [(j * q / mean, [2, j - 1]) for j, q in checks.items() if j > 0]
    rule = None
    if decoder == "ms8":
        rule = MinSumRule.protocol(mean + 2)
        grid = grid if grid is not None and grid.dx == 1 / 8 else min_sum_grid()
    return Evolution([var_ring, var_info], [chk_ring, chk_info], grid, rule)


class RingMinSum:
    """The ring ensemble under the 8-bit offset min-sum decoder with one offset per receiving
    column degree (MinSumConfig::degree_offsets, in units of 1/8 LLR): edge types are the ring
    and each information degree; a check sees the information inputs as their edge-share mixture
    and sends each degree class its own correction of the same raw minimum."""

    def __init__(self, base_rows, info_counts, offsets, grid=None):
        self.g = grid if grid is not None and grid.dx == 1 / 8 else min_sum_grid()
        edges, mean, checks = ring_checks(base_rows, info_counts)
        self.lam = {d: d * c / edges for d, c in info_counts.items() if c}
        self.chk_ring = [(q, (1, j)) for j, q in checks.items()]
        self.chk_info = [(j * q / mean, (2, j - 1)) for j, q in checks.items() if j > 0]
        # {degree: units}; missing degrees: 4 (0.5 LLR)
        self.rules = {d: MinSumRule(offsets.get(d, 4)) for d in [2, *self.lam]}
        self.vsize = 1 << int(math.ceil(math.log2((max(self.lam) + 1) * self.g.n + 2)))

    def _check(self, terms, tails, degree):
        """The check-to-variable density sent to degree-`degree` columns."""
        g = self.g
        law = min_law((w, *tail_product(tails, exps)) for w, exps in terms)
        return g.place(*law, self.rules[degree].correct(np.arange(1, g.k + 1)))

    def _variable(self, fch, c, m):
        """Channel plus m incoming messages of density c."""
        g = self.g
        dens = np.fft.irfft(fch * np.fft.rfft(c, self.vsize) ** m, self.vsize)
        part = g.fold(denoise(dens[:(m + 1) * (g.n - 1) + 1]), m + 1)
        return part / part.sum()

    def run(self, p, max_iter=200, target=1e-5):
        g = self.g
        ch = g.channel(p)
        fch = np.fft.rfft(ch, self.vsize)
        vr = ch.copy()
        vd = {d: ch.copy() for d in self.lam}

        def step():
            nonlocal vr
            tails = [g.tails(vr), g.tails(sum(l * vd[d] for d, l in self.lam.items()))]
            vr = self._variable(fch, self._check(self.chk_ring, tails, 2), 1)
            for d in self.lam:
                vd[d] = self._variable(fch, self._check(self.chk_info, tails, d), d - 1)
            return max(g.error(v) for v in [vr, *vd.values()])

        return converge(step, max_iter, target)

    def threshold(self, lo=1e-4, hi=0.2, tol=1e-5, max_iter=200):
        return bisect_threshold(lambda p: self.run(p, max_iter=max_iter)[0], lo, hi, tol)


def shannon_limit(rate):
    """The QBER p with h2(p) = 1 - rate."""
    lo, hi = 1e-9, 0.5
    for _ in range(100):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if h2(mid) < 1 - rate else (lo, mid)
    return lo


def concentrated_rho(var_nodes, rate, punctured=None):
    """Check edge shares for the two consecutive degrees giving the design rate. With punctured
    nodes (D: share per sent node) the rate is that of the syndrome leak: M - P checks' worth per
    sent bit, 1 - R = M / N - P / N, so each punctured node adds a check."""
    punctured = punctured or {}
    mean_v = sum(d * s for d, s in var_nodes.items()) + sum(d * s for d, s in punctured.items())
    mean_c = mean_v / (1 - rate + sum(punctured.values()))
    lo = int(math.floor(mean_c))
    frac_hi = mean_c - lo  # node share of degree lo + 1
    nodes = {lo: 1 - frac_hi, lo + 1: frac_hi}
    edges = sum(d * s for d, s in nodes.items())
    return {d: d * s / edges for d, s in nodes.items() if s > 1e-12}


def parse_profile(text):
    out = {}
    for item in text.split(","):
        d, s = item.split(":")
        out[int(d)] = float(s)
    return out


def unstructured(var_nodes, rate, punctured=None):
    """The unstructured ensemble of these variable degrees (and punctured nodes) with
    concentrated checks at the design rate, on the search's grid."""
    rho = concentrated_rho(var_nodes, rate, punctured)
    return Evolution.irregular(var_nodes, rho, Grid(dx=0.1, dy=0.004), punctured)


def report(var_nodes, rate, max_iter=3000, punctured=None):
    p = unstructured(var_nodes, rate, punctured).threshold(max_iter=max_iter)
    return p, (1 - rate) / h2(p)


class ProfileSearch:
    """Hill climbing over the information columns' degrees of the construction's protograph:
    base_rows degree-2 columns (the parity ring) and base_cols - base_rows information columns,
    whose degrees are moved one or two columns at a time. A move is kept when the ensemble
    still converges (density evolution, at most max_iter iterations) at a QBER 0.4 % above the
    best threshold so far: each candidate costs one evolution, not a threshold search."""

    def __init__(self, rate, base_cols, degrees, max_iter, seed, decoder="bp"):
        self.base_cols = base_cols
        self.base_rows = int(round((1 - rate) * base_cols))
        self.design_rate = 1 - self.base_rows / base_cols
        # A column meets each base row at most once: degrees above base_rows do not exist.
        self.degrees = [d for d in degrees if d <= self.base_rows]
        self.step = max(1, base_cols // 128)  # columns moved per unit
        self.max_iter = max_iter
        self.rng = np.random.default_rng(seed)
        self.decoder = decoder
        self.grid = min_sum_grid() if decoder.startswith("ms8") else Grid(dx=0.1, dy=0.004)

    def converges(self, design, p):
        """design: (information columns {degree: count}, offsets {degree: units}, ms8deg only)."""
        counts, offsets = design
        if self.decoder == "ms8deg":
            return RingMinSum(self.base_rows, counts, offsets, self.grid).run(p, self.max_iter)[0]
        ev = ring_ensemble(self.base_rows, counts, self.grid, self.decoder)
        return ev.run(p, max_iter=self.max_iter)[0]

    def threshold(self, design, lo, hi, rel_tol=0.002):
        while hi - lo > rel_tol * lo:
            mid = (lo + hi) / 2
            lo, hi = (mid, hi) if self.converges(design, mid) else (lo, mid)
        return lo

    def efficiency(self, p):
        return (1 - self.design_rate) / h2(p)

    def search(self, start, evaluations, log=print):
        """Returns the best (counts, offsets) and its threshold QBER."""
        best = (dict(start), {})
        p = self.threshold(best, 1e-4, 0.25)
        log(f"start {design_string(best)}: p* {p:.5f} f* {self.efficiency(p):.4f}")
        for it in range(evaluations):
            counts, offsets = dict(best[0]), dict(best[1])
            if self.decoder == "ms8deg" and self.rng.random() < 0.4:
                # an offset move: one degree class's offset by +-1 unit
                degs = [2] + [d for d, c in counts.items() if c > 0]
                d = degs[int(self.rng.integers(len(degs)))]
                offsets[d] = max(0, offsets.get(d, 4) + int(self.rng.choice([-1, 1])))
            else:
                for _ in range(int(self.rng.integers(1, 3))):
                    src = [d for d, c in counts.items() if c > 0]
                    a = src[int(self.rng.integers(len(src)))]
                    b = self.degrees[int(self.rng.integers(len(self.degrees)))]
                    n = min(int(self.rng.integers(1, 3)) * self.step, counts[a])
                    if a != b:
                        counts[a] -= n
                        counts[b] = counts.get(b, 0) + n
                counts = {d: c for d, c in counts.items() if c > 0}
            cand = (counts, offsets)
            if cand == best:
                continue
            target = p * 1.004
            if self.converges(cand, target):
                best = cand
                p = self.threshold(best, target, target * 1.2)
                log(f"  [{it}] {design_string(best)}: p* {p:.5f} f* {self.efficiency(p):.4f}")
        return best, p


def offsets_string(offsets):
    return " offsets " + ",".join(f"{d}:{o}" for d, o in sorted(offsets.items())) if offsets else ""


def design_string(design):
    """Information columns (degree:count of base columns) and offsets (degree:units)."""
    counts, offsets = design
    text = ",".join(f"{d}:{c}" for d, c in sorted(counts.items(), reverse=True) if c)
    return text + offsets_string(offsets)


DEGREES = [3, 4, 5, 6, 7, 8, 10, 12, 14, 16, 20, 24, 28, 32]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--selftest", action="store_true")
    ap.add_argument("--var", help="node-perspective variable degrees, D:share,...")
    ap.add_argument("--rate", type=float)
    ap.add_argument("--punctured", default="",
                    help="with --var: punctured nodes D:share per sent node (the rate counts "
                         "the syndrome net of them)")
    ap.add_argument("--search", action="store_true", help="hill-climb the codegen profile")
    ap.add_argument("--base-cols", type=int, default=128)
    ap.add_argument("--start", default="", help="information columns D:count,... (rest: 3)")
    ap.add_argument("--evals", type=int, default=200)
    ap.add_argument("--max-iter", type=int, default=200)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--decoder", choices=["bp", "ms8", "ms8deg"], default="bp",
                    help="bp: belief propagation; ms8: the protocol's 8-bit min-sum rule; "
                         "ms8deg: 8-bit offset min-sum with per-degree offsets, searched too")
    args = ap.parse_args()
    if args.selftest:
        # The (3,6)-regular ensemble's BP threshold on the BSC is 0.0840 (Richardson and
        # Urbanke, Modern Coding Theory); the evolution must land within 0.0005 of it on the
        # search's grid and on a finer one. For other regular ensembles: the two grids agree
        # within 0.0003 and the threshold lies below the Shannon limit h2(p) = 1 - R.
        failed = 0
        for dv, dc, known in ((3, 6, 0.0840), (4, 8, None), (3, 5, None)):
            found = []
            for grid in (Grid(dx=0.1, dy=0.004), Grid(dx=0.05, dy=0.002)):
                found.append(Evolution.regular(dv, dc, grid).threshold(0.02, 0.2))
            ok = abs(found[0] - found[1]) <= 0.0003 and h2(max(found)) < dv / dc
            if known is not None:
                ok = ok and all(abs(p - known) <= 0.0005 for p in found)
            failed += not ok
            print(f"({dv},{dc}) regular: threshold {found[0]:.5f} / {found[1]:.5f} (grids "
                  f"0.1/0.004, 0.05/0.002; known {known or '-'}; Shannon "
                  f"{shannon_limit(1 - dv / dc):.5f}) {'ok' if ok else 'FAILED'}")
        # The ring ensemble of a rate-1/2 code: 8-bit min-sum stops below BP, both below the
        # Shannon limit (0.110).
        ring = {12: 20, 3: 44}
        p_bp = ring_ensemble(64, ring).threshold(0.02, 0.2, 1e-4, max_iter=200)
        p_ms = ring_ensemble(64, ring, decoder="ms8").threshold(0.02, 0.2, 1e-4, max_iter=200)
        ok = p_ms < p_bp < shannon_limit(0.5)
        failed += not ok
        print(f"ring ensemble, rate 1/2: BP {p_bp:.4f}, 8-bit min-sum {p_ms:.4f} "
              f"{'ok' if ok else 'FAILED'}")
        # Per-degree offsets all at the protocol's 4 units reproduce the single-offset rule.
        p_deg = RingMinSum(64, ring, {}).threshold(0.02, 0.2, 1e-4)
        ok = abs(p_deg - p_ms) <= 1e-4
        failed += not ok
        print(f"per-degree offsets all 4: {p_deg:.4f} against {p_ms:.4f} "
              f"{'ok' if ok else 'FAILED'}")
        # Punctured nodes: a zero share changes nothing, and an ensemble with punctured
        # degree-20 nodes stays above Shannon's limit (f* >= 1; started from the channel density
        # on the punctured edges it evolved to f* 0.94).
        base = {2: 0.1, 3: 0.75, 8: 0.15}
        same = [unstructured(base, 0.9, x).run(0.0085, max_iter=200) for x in (None, {20: 0.0})]
        pp = unstructured(base, 0.9, {20: 0.02}).threshold(0.004, 0.02, 5e-5, max_iter=200)
        fp = 0.1 / h2(pp)
        ok = same[0] == same[1] and fp >= 1.0
        failed += not ok
        print(f"punctured nodes: share 0 evolves as none {same[0]} / {same[1]}; 2 % of degree 20 "
              f"f* {fp:.4f} {'ok' if ok else 'FAILED'}")
        # An ensemble below its threshold converges and one above does not, within the
        # iteration budget the search uses.
        ev = Evolution.regular(3, 6, Grid(dx=0.1, dy=0.004))
        if not ev.run(0.080, max_iter=200)[0] or ev.run(0.088, max_iter=200)[0]:
            print("(3,6) regular: convergence at 0.080 / divergence at 0.088 FAILED")
            failed += 1
        return 1 if failed else 0
    if args.search:
        ps = ProfileSearch(args.rate, args.base_cols, DEGREES, args.max_iter, args.seed,
                           args.decoder)
        info = args.base_cols - ps.base_rows
        start = {}
        for d, c in (x.split(":") for x in args.start.split(",") if x):
            d = min(int(d), ps.base_rows)
            start[d] = start.get(d, 0) + int(c)
        start[3] = start.get(3, 0) + info - sum(start.values())
        (counts, offsets), p = ps.search(start, args.evals, log=lambda m: print(m, flush=True))
        shares = ",".join(f"{d}:{c / args.base_cols:.6g}"
                          for d, c in sorted(counts.items(), reverse=True) if d != 3)
        shares += offsets_string(offsets)
        print(f"rate {args.rate} best --profile {shares}  p* {p:.5f} f* {ps.efficiency(p):.4f}")
        return 0
    var = parse_profile(args.var)
    total = sum(var.values())
    punctured = parse_profile(args.punctured) if args.punctured else None
    p, f = report({d: v / total for d, v in var.items()}, args.rate, punctured=punctured)
    print(f"threshold {p:.5f}  f* = {f:.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
