# SPDX-License-Identifier: GPL-2.0
"""make bench: our kernel against the unmodified base kernel.

Both kernels boot, one after the other, in the same modes: latency of a DMA
map and unmap with the kernel's dma_map_benchmark on an edu device (strict,
lazy and identity), SMMU commands per NVMe read counted in QEMU's trace,
the IOVA allocator's microbenchmark (iova_bench.ko), and, ours only, our
SMMUv3 command queue on the model SMMU (bench_cmdq()).  cmd_bench()
writes the figures side by side with their ratio to build/bench/results.md
and results.json, and judges them against the targets below.  Both kernels
must be configured alike: config_differences() asks the base tree's
scripts/diffconfig.
"""

import glob
import json
import math
import os
import re
import subprocess
import sys
import time
import typing

import qemu

class Mode(typing.NamedTuple):
    """A mode the latency boots run in, and the kernel words that set it."""
    name: str
    words: list


class Workload(typing.NamedTuple):
    """An NVMe workload of the traced boots: @count reads of @size bytes
    (guest tool iommu-nvme-read); "none" only boots."""
    name: str
    size: int
    count: int


MODES = (Mode('strict', []), Mode('lazy', ['iommu.strict=0']),
         Mode('identity', ['iommu.passthrough=1']))
WORKLOADS = (Workload('none', 0, 0), Workload('4k', 4096, 1000),
             Workload('128k', 128 << 10, 256), Workload('1m', 1 << 20, 32))
LAT_LINE = re.compile(r'^@@bench lat (.*)$')
OPCODE = re.compile(r'smmuv3_cmdq_opcode.*<--- (\S+)')

# The figures of the IOVA allocator microbenchmark (iova_bench.ko, in
# tools/testing/iommu/iova-bench/), in table order: (a) and (b) the fastest
# of many short rounds, (c) the median of five rounds but for the last, the
# worst of all; see the module's header comment for the workloads.
IOVA_LINE = re.compile(r'^@@bench iova (\w+)=(\d+)$')


class IovaFigure(typing.NamedTuple):
    """A figure the module prints as NAME=NS, and its row in the table."""
    name: str
    label: str


IOVA_FIGURES = (
    IovaFigure('fast_pair_ns',
               'IOVA (a) cached sizes, 1-8 pages: alloc+free pair (ns)'),
    IovaFigure('big_pair_ns', 'IOVA (b) 64 and 512 pages, beyond the '
                              'caches: alloc+free pair (ns)'),
    IovaFigure('frag_pair_ns',
               'IOVA (c) 100k live ranges: alloc+free pair, mean (ns)'),
    IovaFigure('frag_worst_alloc_ns', 'IOVA (c) 100k live ranges: worst '
                                      'allocation of a round (ns)'),
    IovaFigure('frag_max_alloc_ns', 'IOVA (c) 100k live ranges: worst '
                                    'allocation of all rounds (ns)'),
)


class IovaTarget(typing.NamedTuple):
    """A target of the IOVA allocator: the most ours/base of the figure
    @name may be."""
    name: str
    what: str
    max_ratio: float


IOVA_TARGETS = (IovaTarget('fast_pair_ns', '(a) cached fast path, pair', 1.0),
                IovaTarget('frag_worst_alloc_ns', '(c) worst allocation',
                           0.1))
IOVA_TIMEOUT = 300

# Our SMMUv3 command queue on the model SMMU that the driver carries
# (CONFIG_ARM_SMMU_V3_CMDQ_MODEL; the base has none): strict 1-page unmaps
# from 1-3 CPUs of a 4-CPU guest, the model on the fourth, with a CMD_SYNC
# taking CMDQ_RATIOS times the CPU time of one unmap (batch_ns: one
# producer's batches against a model that completes CMD_SYNCs at once).
# Each run prints
#   @@bench cmdq producers P design serial|shared msi 0 ratio R work_ns W
#                batch_ns T sync_ns S elapsed_ns E batches B syncs Y
#                errors X refused Z
CMDQ_LINE = re.compile(r'^@@bench cmdq (.*)$')
CMDQ_RATIOS = (4, 32)
CMDQ_SMP = 4
# QEMU runs those boots' CPUs on one host thread, in turn, moving on at a
# CPU's YIELD (cpu_relax()) or WFE.  The guest has more CPUs than this host
# has cores, and with a host thread each a waiting CPU keeps its core while
# it spins, so that three producers and the model would take turns on two
# cores, as the host's scheduler decides, and the figures would measure
# that.  In turn, a CPU that waits, on the queue, a lock or the model's
# CMD_SYNC latency, gives the time to one that works, as on a machine with
# a core for every CPU; the producers' work is not done in parallel, which
# only understates what sharing CMD_SYNCs gains.
CMDQ_QEMU = ('-accel', 'tcg,thread=single')
CMDQ_SECONDS = 1
CMDQ_TIMEOUT = 300
CMDQ_PRODUCERS = (1, 2, 3)
# With three producers the shared queue must complete at least this many
# times the batches per second of one producer (at every ratio), and with
# one producer it must be no slower than the serial queue, beyond the
# spread between two runs of one design in the same boot (cmdq_spread()).
CMDQ_SCALING = 2.0


class RatioTarget(typing.NamedTuple):
    """A target of ours/base at most @max_ratio: over the figures of
    @section whose key starts with @prefix and contains @match (the worst
    one counts), or with @prefix None over the figures named in @match
    (their sums)."""
    what: str
    section: str
    prefix: typing.Optional[str]
    match: typing.Union[str, tuple]
    max_ratio: float


# Targets of the DMA layer.
DMA_TARGETS = (
    RatioTarget('lazy mode, every map and unmap figure', 'latency', 'lazy,',
                '', 1.0),
    RatioTarget('strict mode, every unmap figure', 'latency', 'strict,',
                'unmap', 0.8),
    RatioTarget('strict mode, 1 thread, 1 page: unmap', 'latency',
                'strict, 1 thread, 1 page: unmap', '', 0.8),
    RatioTarget('TLBI + CMD_SYNC per MiB read', 'commands', None,
                ('tlbi per MiB read', 'sync per MiB read'), 0.25),
)


# Benchmark boots leave the KUnit suites built into both kernels off: ours
# has many more (a CPU hotplug case among them), and both kernels should
# reach the benchmark having done the same work.
BENCH_WORDS = ['kunit.enable=0']


def bench_boot(args, image, words, log_path, timeout, trace_log=None):
    """A benchmark boot, tried a second time if the first one fails.

    Benchmarks measure; they do not judge the kernel, and one rare boot
    failure should not throw away the other figures.  The retry is said
    aloud and the failed log kept beside the new one.
    """
    words = BENCH_WORDS + words
    result = qemu.boot(args.build, image, words, log_path, timeout,
                       trace_log=trace_log)
    if result.ok:
        return result
    os.replace(log_path, log_path + '.failed')
    qemu.log('BENCH', f'boot failed ({log_path}.failed), trying once more')
    return qemu.boot(args.build, image, words, log_path, timeout,
                     trace_log=trace_log)


class LatencyRun(typing.NamedTuple):
    """The shape of a dma_map_benchmark run: how many threads map how many
    pages at a time."""
    threads: int
    granule: int


def parse_latency(lines, kind, mode):
    """Every run's figures of one bench-lat boot, and any errors.

    Returns {LatencyRun: {'map_us': [...], 'unmap_us': [...]}}, one value
    per run in the order the guest printed them.
    """
    rows, errors = {}, []
    for line in lines:
        m = LAT_LINE.match(line)
        if m:
            kv = dict(item.split('=') for item in m.group(1).split())
            shape = LatencyRun(int(kv['threads']), int(kv['granule']))
            row = rows.setdefault(shape, {'map_us': [], 'unmap_us': []})
            row['map_us'].append(int(kv['map_100ns']) / 10)
            row['unmap_us'].append(int(kv['unmap_100ns']) / 10)
        elif line.startswith('@@bench error'):
            errors.append(f'{kind} {mode}: {line[len("@@bench error "):]}')
    return rows, errors


def bench_latency(args, image, kind, mode, words):
    log_path = os.path.join(args.build, 'bench', f'{kind}-{mode}.log')
    qemu.log('BENCH', f'{kind} kernel, {mode} mode: dma_map_benchmark, '
             f'{args.repeats} x {args.seconds} s a figure')
    runs = 6 * args.repeats
    result = bench_boot(args, image, ['harness=bench-lat',
                                      f'seconds={args.seconds}',
                                      f'repeats={args.repeats}'] + words,
                        log_path, 60 + 3 * runs * args.seconds)
    rows, errors = parse_latency(result.console(), kind, mode)
    if not result.ok:
        errors.append(f'{kind} {mode}: boot failed, see {log_path}')
    return rows, errors


# Targets of the SMMUv3 driver: ours/base at most max_ratio...
SMMU_TARGETS = (
    RatioTarget('strict mode, 1 thread, 1 page: unmap', 'latency',
                'strict, 1 thread, 1 page: unmap', '', 0.8),
    RatioTarget('strict mode, 1 thread, 1 page: map', 'latency',
                'strict, 1 thread, 1 page: map', '', 1.0),
)


class ExactTarget(typing.NamedTuple):
    """...and a command count of our kernel that must be exactly @want."""
    what: str
    figure: str
    want: int


SMMU_EXACT = (
    ExactTarget('one TLBI per 4 KiB read', 'tlbi per 4 KiB read', 1),
    ExactTarget('one CMD_SYNC per 4 KiB read', 'sync per 4 KiB read', 1),
    ExactTarget('one TLBI per 128 KiB read', 'tlbi per 128 KiB read', 1),
    ExactTarget('one CMD_SYNC per 128 KiB read', 'sync per 128 KiB read', 1),
)


def count_commands(trace_log):
    counts = {'tlbi': 0, 'sync': 0, 'range': 0}
    with open(trace_log, errors='replace') as f:
        for line in f:
            m = OPCODE.search(line)
            if m:
                op = m.group(1)
                counts['tlbi'] += 'TLBI' in op
                counts['sync'] += op.endswith('CMD_SYNC')
            elif 'smmuv3_s1_range_inval' in line:
                counts['range'] += 1
    return counts


def bench_commands(args, image, kind):
    """SMMU commands per read for one kernel, and any errors.

    Every figure is a difference from the boot-only count, so one failed
    traced boot leaves this kernel without command figures.
    """
    counts = {}
    for load in WORKLOADS:
        base = os.path.join(args.build, 'bench', f'{kind}-cmds-{load.name}')
        qemu.log('BENCH', f'{kind} kernel, SMMU commands, workload '
                 f'{load.name}')
        result = bench_boot(args, image, ['harness=bench-cmds',
                                          f'workload={load.name}'],
                            base + '.log', 60, trace_log=base + '.trace')
        if not result.ok:
            return {}, [f'{kind} commands: traced boot failed, see {base}.log']
        counts[load.name] = count_commands(base + '.trace')
    out = {}
    for load in WORKLOADS[1:]:
        if load.size < (1 << 20):
            per, unit = load.count, f'per {load.size >> 10} KiB read'
        else:
            per, unit = load.count * load.size / (1 << 20), 'per MiB read'
        for what in ('tlbi', 'sync'):
            extra = counts[load.name][what] - counts['none'][what]
            out[f'{what} {unit}'] = extra / per
    out['boot-only tlbi'] = counts['none']['tlbi']
    out['boot-only sync'] = counts['none']['sync']
    return out, []


def parse_iova(lines, kind):
    """The "@@bench iova NAME=NS" figures of one boot, and any errors."""
    figures, errors = {}, []
    for line in lines:
        m = IOVA_LINE.match(line)
        if m:
            figures[m.group(1)] = int(m.group(2))
        elif line.startswith('@@bench error iova'):
            errors.append(f'{kind} {line[len("@@bench error "):]}')
    missing = [f.name for f in IOVA_FIGURES if f.name not in figures]
    if missing:
        errors.append(f'{kind} iova: no figure {", ".join(missing)}')
    return figures, errors


def parse_cmdq(lines):
    """The runs of one bench-cmdq boot as dicts, and any errors."""
    runs, errors = [], []
    for line in lines:
        m = CMDQ_LINE.match(line)
        if m:
            words = m.group(1).split()
            run = dict(zip(words[::2], words[1::2]))
            for key, val in run.items():
                if key != 'design':
                    run[key] = int(val)
            runs.append(run)
        elif line.startswith('@@bench error cmdq'):
            errors.append(line[len('@@bench error '):])
    return runs, errors


def bench_cmdq(args, image):
    """Every run of --rounds bench-cmdq boots of our kernel, and any
    errors."""
    runs, errors = [], []
    for r in range(args.rounds):
        log_path = os.path.join(args.build, 'bench', f'ours-cmdq-{r}.log')
        qemu.log('BENCH', f'ours, command queue on the model SMMU, round '
                 f'{r + 1} of {args.rounds} ({CMDQ_SMP} CPUs)')
        words = BENCH_WORDS + [
            'harness=bench-cmdq', f'seconds={CMDQ_SECONDS}',
            'cmdq=' + ','.join(str(x) for x in CMDQ_RATIOS)]
        result = qemu.boot(args.build, image, words, log_path, CMDQ_TIMEOUT,
                           smp=CMDQ_SMP, devices=CMDQ_QEMU)
        got, errs = parse_cmdq(result.console())
        runs += [dict(run, boot=r) for run in got]
        errors += [f'{e} (see {log_path})' for e in errs]
        if not result.ok:
            errors.append(f'cmdq: boot failed, see {log_path}')
        errors += [f'cmdq: {run["errors"]} failed batches, see {log_path}'
                   for run in got if run.get('errors')]
    return runs, errors


def cmdq_base_ns(run):
    """The CPU time of a batch that a run's CMD_SYNC latency is a multiple
    of: batch_ns, or work_ns in the figures of older kernels."""
    return run.get('batch_ns', run.get('work_ns', 0))


def cmdq_median_boot(runs):
    """The runs of the boot whose CPU time of a batch (timed once a boot)
    is the median of the boots'.  The CMD_SYNC latency is a multiple of
    it, so only one boot's figures compare with each other."""
    base = sorted({(cmdq_base_ns(run), run.get('boot', 0)) for run in runs})
    if not base:
        return []
    boot = base[len(base) // 2][1]
    return [run for run in runs if run.get('boot', 0) == boot]


def cmdq_timed(runs):
    """(ratio, design, producers), batches per second and the run, for
    each run in cmdq_median_boot() that did some."""
    for run in cmdq_median_boot(runs):
        if run.get('elapsed_ns') and run.get('batches'):
            yield ((run['ratio'], run['design'], run['producers']),
                   run['batches'] * 1e9 / run['elapsed_ns'], run)


def cmdq_figures(runs):
    """{(ratio, design, producers): (batches per second, CMD_SYNCs per
    batch)} of the fastest run of each in cmdq_median_boot(), from
    parse_cmdq()'s runs."""
    best = {}
    for key, rate, run in cmdq_timed(runs):
        if key not in best or rate > best[key][0]:
            best[key] = (rate, run['syncs'] / run['batches'])
    return best


def cmdq_spread(runs):
    """{(ratio, design, producers): how much slower the slowest run of each
    was than the fastest, as a fraction of the fastest} in
    cmdq_median_boot(): what running one design again gives."""
    rates = {}
    for key, rate, _ in cmdq_timed(runs):
        rates.setdefault(key, []).append(rate)
    return {key: 1 - min(r) / max(r) for key, r in rates.items()}


def cmdq_targets(best, spread=None):
    """The command queue's targets, at each ratio, with their verdicts.
    One producer is no slower if the shared queue is within @spread (from
    cmdq_spread()) of the serial one."""
    spread = spread or {}
    out = []
    for ratio in CMDQ_RATIOS:
        one = best.get((ratio, 'shared', 1))
        three = best.get((ratio, 'shared', CMDQ_PRODUCERS[-1]))
        serial = best.get((ratio, 'serial', 1))
        scale = three[0] / one[0] if one and three else None
        out.append({'figure': f'cmdq ratio {ratio}', 'target':
                    f'command queue, CMD_SYNC {ratio}x a batch: 3 producers '
                    'against 1, shared queue', 'min_ratio': CMDQ_SCALING,
                    'ratio': scale,
                    'met': None if scale is None else scale >= CMDQ_SCALING})
        noise = max(spread.get((ratio, design, 1), 0)
                    for design in ('serial', 'shared'))
        floor = round(1.0 - noise, 3)
        same = one[0] / serial[0] if one and serial else None
        out.append({'figure': f'cmdq ratio {ratio}', 'target':
                    f'command queue, CMD_SYNC {ratio}x a batch: 1 producer, '
                    'shared against serial (the floor is 1 less the spread '
                    'between two runs of one design)', 'min_ratio': floor,
                    'ratio': same,
                    'met': None if same is None else same >= floor})
    return out


def cmdq_table(best, runs):
    """The command queue's table, in markdown lines."""
    # Timed once a boot: every run of the boot carries the same figures.
    run = next(iter(cmdq_median_boot(runs)), {})
    timed = ''
    if cmdq_base_ns(run):
        timed = f' ({cmdq_base_ns(run)} ns in that boot'
        if run.get('batch_ns') and run.get('work_ns'):
            timed += f'; the map and unmap alone took {run["work_ns"]} ns'
        timed += ')'
    lines = ['Our SMMUv3 command queue on the model SMMU (ours only): '
             'strict 1-page unmaps (map, unmap, TLBI, wait for the CMD_SYNC) '
             f'from 1-3 CPUs of {CMDQ_SMP}, the model on the last, QEMU '
             'running the CPUs in turn on one thread (each waiting CPU gives '
             'way at its cpu_relax()); each figure the faster of two '
             f'{CMDQ_SECONDS} s runs, in the boot whose CPU time of a batch '
             'was the median of the boots\'; "serial" is '
             'the queue as it was (one lock held until the CMD_SYNC '
             'completed), "shared" as it is.  A CMD_SYNC takes RATIO times '
             'the CPU time of one batch, timed as one producer\'s batches '
             'against a model that completes CMD_SYNCs at once' + timed
             + '.', '',
             '| ratio | producers | serial batches/s | shared batches/s | '
             'shared/serial | serial syncs/batch | shared syncs/batch | '
             'shared vs 1 producer |',
             '|---:|---:|---:|---:|---:|---:|---:|---:|']
    for ratio in CMDQ_RATIOS:
        one = best.get((ratio, 'shared', 1))
        for n in CMDQ_PRODUCERS:
            ser, sh = best.get((ratio, 'serial', n)), best.get((ratio,
                                                                'shared', n))
            cells = [ratio, n, ser and round(ser[0]), sh and round(sh[0]),
                     sh and ser and sh[0] / ser[0], ser and ser[1],
                     sh and sh[1], sh and one and sh[0] / one[0]]
            lines.append('| ' + ' | '.join(bench_fmt(c) for c in cells)
                         + ' |')
    return lines


def cmd_bench_cmdq(args):
    """make bench-cmdq: only the command queue's section."""
    runs, errors = bench_cmdq(args, args.image)
    best = cmdq_figures(runs)
    targets = cmdq_targets(best, cmdq_spread(runs))
    lines = cmdq_table(best, runs) + [''] + [
        f'- {target_line(t)}' for t in targets]
    out_dir = os.path.join(args.build, 'bench')
    with open(os.path.join(out_dir, 'cmdq.md'), 'w') as f:
        f.write('\n'.join(lines) + '\n')
        f.writelines(f'\nError: {err}\n' for err in errors)
    with open(os.path.join(out_dir, 'cmdq.json'), 'w') as f:
        json.dump({'runs': runs, 'targets': targets, 'errors': errors}, f,
                  indent=1)
    print('\n'.join(lines))
    for err in errors:
        print(f'bench: error: {err}')
    return 1 if errors else 0


def iova_figure(name, values):
    """One IOVA figure from its value in each boot: the fastest boot for
    the fast-path figures (a) and (b), which are already the fastest of many
    rounds; the median boot for (c), whose figures are medians and worsts."""
    if name in ('fast_pair_ns', 'big_pair_ns'):
        return min(values)
    return sorted(values)[len(values) // 2]


def bench_iova(args, image, kind):
    """The IOVA microbenchmark's figures for one kernel, and any errors."""
    log_path = os.path.join(args.build, 'bench', f'{kind}-iova.log')
    qemu.log('BENCH', f'{kind} kernel, IOVA allocator microbenchmark '
             f'(iova_bench-{kind}.ko)')
    result = bench_boot(args, image, ['harness=bench-iova', f'kernel={kind}'],
                        log_path, IOVA_TIMEOUT)
    figures, errors = parse_iova(result.console(), kind)
    errors = [f'{err} (see {log_path})' for err in errors]
    if not result.ok:
        errors.append(f'{kind} iova: boot failed, see {log_path}')
    return figures, errors


def iova_targets(data):
    """Each target of IOVA_TARGETS with its ours/base ratio and verdict."""
    labels = {f.name: f.label for f in IOVA_FIGURES}
    out = []
    for t in IOVA_TARGETS:
        val = data.get(labels[t.name], {})
        ours, base = val.get('ours'), val.get('base')
        ratio = ours / base if ours is not None and base else None
        out.append({'figure': labels[t.name], 'target': t.what,
                    'max_ratio': t.max_ratio, 'ratio': ratio,
                    'met': None if ratio is None else ratio <= t.max_ratio})
    return out


def exact_targets(data):
    """Each target of SMMU_EXACT with our figure and verdict."""
    out = []
    for t in SMMU_EXACT:
        ours = data.get('commands', {}).get(t.figure, {}).get('ours')
        out.append({'figure': t.figure, 'target': t.what, 'want': t.want,
                    'ours': ours,
                    'met': None if ours is None else ours == t.want})
    return out


def dma_targets(data, targets=DMA_TARGETS):
    """Each RatioTarget of @targets with its ours/base ratio and
    verdict."""
    out = []
    for t in targets:
        figures = data.get(t.section, {})
        ratio, worst = None, ''
        if t.prefix is None:
            ours = [figures.get(k, {}).get('ours') for k in t.match]
            base = [figures.get(k, {}).get('base') for k in t.match]
            if None not in ours + base and sum(base):
                ratio, worst = sum(ours) / sum(base), ' + '.join(t.match)
        else:
            for key, val in figures.items():
                if not key.startswith(t.prefix) or t.match not in key:
                    continue
                if val.get('ours') is None or not val.get('base'):
                    continue
                r = val['ours'] / val['base']
                if ratio is None or r > ratio:
                    ratio, worst = r, key
        out.append({'figure': worst, 'target': t.what,
                    'max_ratio': t.max_ratio, 'ratio': ratio,
                    'met': None if ratio is None else ratio <= t.max_ratio})
    return out


def target_line(t):
    verdict = {None: 'not measured', True: 'met', False: 'MISSED'}[t['met']]
    if 'min_ratio' in t:
        ratio = '-' if t['ratio'] is None else f'{t["ratio"]:.2f}'
        return (f'{t["target"]}: {ratio}, target >= {t["min_ratio"]}: '
                f'{verdict}')
    if 'want' in t:
        ours = '-' if t['ours'] is None else f'{t["ours"]:.2f}'
        return f'{t["target"]}: ours {ours}, want {t["want"]}: {verdict}'
    ratio = '-' if t['ratio'] is None else f'{t["ratio"]:.3f}'
    return (f'{t["target"]}: ours/base {ratio}, target <= {t["max_ratio"]}: '
            f'{verdict}')


def changed_options(diffconfig, old, new):
    """The options that the configurations @old and @new both set, but to
    different values, by the kernel's scripts/diffconfig at @diffconfig."""
    for path in (diffconfig, old, new):
        if not os.path.isfile(path):
            # diffconfig would print its usage, and exit with 0.
            raise RuntimeError(f'no {path}')
    out = subprocess.run([sys.executable, diffconfig, old, new], check=True,
                         capture_output=True, text=True).stdout
    # "-NAME old" is only in @old, "+NAME new" only in @new, and
    # " NAME old -> new" in both; NAME without its CONFIG_.
    return ['CONFIG_' + line.split()[0] for line in out.splitlines()
            if line.startswith(' ')]


def config_differences(build):
    """The options that make bench's two kernels both set, but to
    different values.  Options that only one of them has (ours has its
    subsystem's own) do not count."""
    return changed_options(
        os.path.join(build, 'base-src', 'scripts', 'diffconfig'),
        os.path.join(build, 'obj-base', '.config'),
        os.path.join(build, 'obj-bench', '.config'))


def bench_fmt(v):
    """A table cell: whole numbers (counts, nanoseconds) as they are, the
    rest to two decimals, or two significant digits below 0.1 (ratios)."""
    if v is None:
        return '-'
    if isinstance(v, int):
        return str(v)
    digits = 2 if not v else max(2, 1 - math.floor(math.log10(abs(v))))
    return f'{v:.{digits}f}'


def latency_key(mode, run, op):
    """The table's row of the @op ("map_us" or "unmap_us") figures of the
    LatencyRun @run in @mode."""
    return (f'{mode}, {run.threads} thread{"s" if run.threads > 1 else ""}, '
            f'{run.granule} page{"s" if run.granule > 1 else ""}: '
            f'{op[:-3]} (us)')


def cmd_bench(args):
    if args.only == 'cmdq':
        return cmd_bench_cmdq(args)
    diff = config_differences(args.build)
    if diff:
        print('bench: the two kernels are configured differently: '
              + ', '.join(diff))
        return 1
    data = {'latency': {}, 'commands': {}, 'iova': {}}
    errors = []
    # Logs of failed boots from earlier runs would read as this run's.
    for stale in glob.glob(os.path.join(args.build, 'bench', '*.failed')):
        os.remove(stale)
    kernels = (('ours', args.image), ('base', args.base_image))
    # Ours and base alternate, so that a change in the host's load while the
    # benchmark runs weighs on both alike.  QEMU runs the same loop at one of
    # two speeds about 2x apart, for seconds to minutes at a time, and the
    # host now and then stalls a vCPU for milliseconds, which a run's mean
    # takes in whole; so each figure is the fastest of --rounds boots times
    # --repeats runs, and results.json keeps every run.
    samples = {}
    for mode in MODES:
        for _ in range(args.rounds):
            for kind, image in kernels:
                rows, errs = bench_latency(args, image, kind, mode.name,
                                           mode.words)
                errors += errs
                for run, val in rows.items():
                    for op in ('map_us', 'unmap_us'):
                        key = latency_key(mode.name, run, op)
                        runs = samples.setdefault(key, {})
                        runs.setdefault(kind, []).extend(val[op])
                        data['latency'].setdefault(key, {})[kind] = \
                            min(runs[kind])
    for kind, image in kernels:
        figures, errs = bench_commands(args, image, kind)
        errors += errs
        for key, val in figures.items():
            data['commands'].setdefault(key, {})[kind] = val
    iova_runs = {}
    for _ in range(args.rounds):
        for kind, image in kernels:
            figures, errs = bench_iova(args, image, kind)
            errors += errs
            for name, value in figures.items():
                iova_runs.setdefault(name, {}).setdefault(kind, []).append(
                    value)
    for figure in IOVA_FIGURES:
        for kind, values in iova_runs.get(figure.name, {}).items():
            data['iova'].setdefault(figure.label, {})[kind] = \
                iova_figure(figure.name, values)
    cmdq_runs, errs = bench_cmdq(args, args.image)
    errors += errs
    cmdq_best = cmdq_figures(cmdq_runs)

    table = ['| figure | ours | base | ours/base |', '|---|---:|---:|---:|']
    rows = []
    for section in ('latency', 'commands', 'iova'):
        for key, val in data[section].items():
            ours, base = val.get('ours'), val.get('base')
            ratio = ours / base if ours is not None and base else None
            row = {'figure': key, 'group': section, 'ours': ours,
                   'base': base, 'ratio': ratio}
            if key in samples:
                row['runs'] = samples[key]
            rows.append(row)
            table.append(f'| {key} | {bench_fmt(ours)} | {bench_fmt(base)} '
                         f'| {bench_fmt(ratio)} |')
    targets = iova_targets(data['iova'])
    target_lines = ['Targets of the IOVA allocator:', '']
    target_lines += [f'- {target_line(t)}' for t in targets]
    dma = dma_targets(data)
    target_lines += ['', 'Targets of the DMA layer (the worst figure counts):',
                     '']
    target_lines += [f'- {target_line(t)} ({t["figure"] or "-"})' for t in dma]
    targets += dma
    smmu = dma_targets(data, SMMU_TARGETS) + exact_targets(data)
    target_lines += ['', 'Targets of the SMMUv3 driver:', '']
    target_lines += [f'- {target_line(t)} ({t["figure"] or "-"})'
                     for t in smmu]
    targets += smmu
    cmdq = cmdq_targets(cmdq_best, cmdq_spread(cmdq_runs))
    target_lines += [f'- {target_line(t)}' for t in cmdq]
    targets += cmdq
    target_lines = cmdq_table(cmdq_best, cmdq_runs) + [''] + target_lines
    out_dir = os.path.join(args.build, 'bench')
    header = [f'# IOMMU benchmarks, {time.strftime("%Y-%m-%d %H:%M")}', '',
              'dma_map_benchmark on edu, '
              f'the fastest of {args.rounds} boots x {args.repeats} runs '
              f'of {args.seconds} s (every run in results.json), '
              'latency in microseconds (the '
              'kernel reports 0.1 us steps); SMMU commands counted in '
              "QEMU's trace, boot-only counts subtracted.  Two identical "
              'kernels differ by up to about 10% between runs; at 0.1-0.3 us '
              '(identity mode) one 0.1 us step is a third.  The IOVA '
              'figures come from the iova_bench module, in nanoseconds, '
              f'one boot a kernel in each of {args.rounds} rounds: (a) and '
              '(b) the fastest of 51 short rounds in the fastest boot, (c) '
              'the median of five rounds (or the worst of all) in the '
              'median boot.', '']
    with open(os.path.join(out_dir, 'results.md'), 'w') as f:
        f.write('\n'.join(header + table + [''] + target_lines) + '\n')
        f.writelines(f'\nError: {err}\n' for err in errors)
    with open(os.path.join(out_dir, 'results.json'), 'w') as f:
        json.dump({'seconds': args.seconds, 'rounds': args.rounds,
                   'repeats': args.repeats, 'rows': rows, 'targets': targets,
                   'cmdq_runs': cmdq_runs, 'errors': errors}, f, indent=1)
    print('\n'.join(table))
    for t in targets:
        print(f'target: {target_line(t)}'
              + (f' ({t["figure"]})' if t in dma and t['figure'] else ''))
    for err in errors:
        print(f'bench: error: {err}')
    qemu.log('RESULTS', f'{out_dir}/results.md and results.json')
    return 1 if errors else 0
