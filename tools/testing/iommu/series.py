#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The project as a git patch series against the base kernel.

The base is the unpacked base tree committed once, as a git repository
(BUILD/series-git, no work tree, branch "base").  The series is the
difference between that commit and the overlaid tree (BUILD/src, what
make kernel builds), cut into patches by tools/testing/iommu/series.plan:
each entry of the plan is one patch, either one of patches/ taken as it
is, or the paths it names, in their final form.  Every path the overlay
changes belongs to exactly one entry.

Build files that name several parts (drivers/iommu/Kconfig and Makefile,
the SMMUv3 driver's) are "staged": from the entry that claims them on,
each patch carries them in their final form less what is not there yet.
A Makefile rule is left out while an object it names has no source in its
final form, or a directory it descends into has not got its final
Makefile; a Kconfig entry is left out while the only rules that build its
symbol are, and so is a "source" of a Kconfig file not yet in its final
form.  So each patch builds what it adds and nothing of the base that our
headers no longer fit, and the last one is the overlaid tree exactly.

  series.py make  BUILD OUT      write the series and its cover letter
  series.py check BUILD SERIES RESULTS
                                 (a) git am onto the base gives the
                                 overlaid tree; (b) checkpatch --strict on
                                 every patch
  series.py each  BUILD SERIES RESULTS [--boot]
                                 (c) build the kernel after every patch,
                                 and boot it as make run does
"""

import argparse
import fnmatch
import glob
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, '..', '..', '..'))
PLAN = os.path.join(HERE, 'series.plan')
COVER = os.path.join(HERE, 'series-cover.txt')
STAMPS = ('.unpacked', '.iommu-overlay-manifest')
AUTHOR = ('IOMMU project team', 'iommu-project@example.org')
SIGNED_OFF = f'Signed-off-by: {AUTHOR[0]} <{AUTHOR[1]}>'
# One date for every commit, so that the same tree gives the same series.
DATE = '2026-01-01T00:00:00+0000'
BASE_MESSAGE = ("Linux 6.12, as Debian's linux-source-6.12 ships it\n\n"
                'The base tree of the IOMMU project\'s series, committed '
                'as unpacked.\n')
# checkpatch findings that are about the patch, not the code in it:
# "does MAINTAINERS need updating?" for any added or removed file (the
# series' last patch adds the entries, and lint checks that every file of
# ours has one).
CHECKPATCH_IGNORE = 'FILE_PATH_CHANGES'


class SeriesError(Exception):
    pass


# --------------------------------------------------------------------------
# git
# --------------------------------------------------------------------------

class Git:
    """git on one repository without a work tree, with an index of our
    choosing and a fixed identity."""

    def __init__(self, gitdir):
        self.gitdir = gitdir

    def env(self, index=None, worktree=None):
        env = dict(os.environ, GIT_DIR=self.gitdir,
                   GIT_AUTHOR_NAME=AUTHOR[0], GIT_AUTHOR_EMAIL=AUTHOR[1],
                   GIT_COMMITTER_NAME=AUTHOR[0],
                   GIT_COMMITTER_EMAIL=AUTHOR[1],
                   GIT_AUTHOR_DATE=DATE, GIT_COMMITTER_DATE=DATE)
        env.pop('GIT_WORK_TREE', None)
        if index:
            env['GIT_INDEX_FILE'] = index
        if worktree:
            env['GIT_WORK_TREE'] = worktree
        return env

    def run(self, *args, index=None, worktree=None, data=None, check=True):
        done = subprocess.run(['git', *args], env=self.env(index, worktree),
                              input=data, capture_output=True,
                              text=not isinstance(data, bytes))
        if check and done.returncode:
            raise SeriesError(f'git {" ".join(args[:3])}: '
                              f'{done.stderr.strip()}')
        return done.stdout

    def tree_of(self, rev):
        return self.run('rev-parse', f'{rev}^{{tree}}').strip()

    def entries(self, rev):
        """{path: (mode, blob)} of a tree."""
        out = self.run('ls-tree', '-r', '-z', rev)
        found = {}
        for item in out.split('\0'):
            if item:
                meta, path = item.split('\t', 1)
                mode, _, blob = meta.split()
                found[path] = (mode, blob)
        return found

    def blob(self, sha):
        return self.run('cat-file', 'blob', sha)


def snapshot(git, index, tree_dir, extra=None):
    """Hash the files of tree_dir, but for the stamps of make base-src and
    of the overlay, into a tree object.  With @extra, a file not in it is
    left out (the base's .gitignore, Debian's, ignores everything, so it
    cannot tell sources from build products).  The index file keeps stat
    data, so a second snapshot reads only what changed."""
    git.run('add', '-A', '-f', '.', index=index, worktree=tree_dir)
    drop = list(STAMPS)
    if extra is not None:
        drop += [p for p in git.run('ls-files', '-z', index=index)
                 .split('\0') if p and p not in extra]
    git.run('rm', '--cached', '-q', '--ignore-unmatch', '--pathspec-from-file'
            '=-', '--pathspec-file-nul', index=index, worktree=tree_dir,
            data='\0'.join(drop) + '\0')
    return git.run('write-tree', index=index).strip()


def base_commit(build):
    """The base tree as a commit, made once per build directory."""
    gitdir = os.path.join(os.path.abspath(build), 'series-git')
    git = Git(gitdir)
    if not os.path.isdir(gitdir):
        subprocess.run(['git', 'init', '-q', '--bare', gitdir], check=True)
    have = git.run('rev-parse', '-q', '--verify', 'refs/heads/base',
                   check=False).strip()
    if have:
        return git, have
    print('  SERIES  committing the base tree (about a minute, once)',
          flush=True)
    tree = snapshot(git, os.path.join(gitdir, 'base.index'),
                    os.path.join(build, 'base-src'))
    commit = git.run('commit-tree', tree, '-m', BASE_MESSAGE).strip()
    git.run('update-ref', 'refs/heads/base', commit)
    return git, commit


def overlay_tree(git, build, base):
    """The tree of the overlaid source, BUILD/src: the base's paths and the
    files the overlay placed (its manifest), not what builds left there
    (make bench's iova_bench module, for one)."""
    src = os.path.join(build, 'src')
    with open(os.path.join(src, STAMPS[1])) as f:
        placed = {ln.split(' ', 1)[1] for ln in f.read().split('\n')
                  if ln.startswith('file ')}
    return snapshot(git, os.path.join(git.gitdir, 'overlay.index'), src,
                    placed | set(git.entries(base)))


# --------------------------------------------------------------------------
# The plan
# --------------------------------------------------------------------------

class Entry:
    """One patch of the plan."""

    def __init__(self, fields, body, line):
        self.line = line
        self.subject = fields.get('subject', '')
        self.patch = fields.get('patch')
        self.files = fields.get('files', '').split()
        self.remove = fields.get('remove', '').split()
        self.staged = fields.get('staged', '').split()
        self.body = body.strip('\n')
        self.claimed = []

    def __repr__(self):
        return self.subject or self.patch


def read_plan(path=PLAN):
    """Entries of the plan.  An entry is header lines ("Key: value",
    continued on indented lines), a blank line and the commit message's
    body; entries are separated by a line "%%".  Lines starting with "#"
    before an entry's headers are comments."""
    with open(path) as f:
        chunks = f.read().split('\n%%\n')
    entries, line = [], 1
    for chunk in chunks:
        lines = chunk.split('\n')
        start = line
        line += len(lines) + 1
        while lines and (not lines[0].strip() or lines[0].startswith('#')):
            lines.pop(0)
            start += 1
        if not lines:
            continue
        fields, key = {}, None
        while lines and lines[0].strip():
            text = lines.pop(0)
            if text[0].isspace() and key:
                fields[key] += ' ' + text.strip()
                continue
            key, sep, value = text.partition(':')
            key = key.strip().lower()
            if not sep or key not in ('subject', 'patch', 'files', 'remove',
                                      'staged'):
                raise SeriesError(f'{path}:{start}: not a header: {text}')
            fields[key] = value.strip()
        entry = Entry(fields, '\n'.join(lines), start)
        if bool(entry.patch) == bool(entry.subject):
            raise SeriesError(f'{path}:{start}: an entry has a Subject or '
                              'a Patch, not both')
        if entry.subject and not entry.body:
            raise SeriesError(f'{path}:{start}: {entry}: no body saying why')
        entries.append(entry)
    return entries


def patch_file(name):
    pdir = os.path.join(REPO, 'patches')
    found = [p for p in sorted(os.listdir(pdir))
             if p.startswith(name + '-') and p.endswith('.patch')]
    if len(found) != 1:
        raise SeriesError(f'patches/{name}-*.patch: {len(found)} files')
    return os.path.join(pdir, found[0])


def claim(entries, changed, by_patches):
    """Give every changed path to the first entry naming it.  Paths the
    patches of patches/ change are theirs."""
    staged = {}
    for e in entries:
        for s in e.staged:
            if s in staged:
                raise SeriesError(f'{s} is staged twice')
            staged[s] = e
    left = []
    for path, deleted in sorted(changed.items()):
        if path in by_patches or path in staged:
            continue
        for e in entries:
            if any(fnmatch.fnmatchcase(path, p)
                   for p in (e.remove if deleted else e.files)):
                e.claimed.append(path)
                break
        else:
            left.append(path)
    if left:
        raise SeriesError('in no entry of the plan: ' + ', '.join(left[:8]))
    for e in entries:
        for p in e.files + e.remove:
            if not any(fnmatch.fnmatchcase(c, p) for c in e.claimed):
                raise SeriesError(f'{e}: "{p}" names no changed path of its '
                                  'own')
        for s in e.staged:
            if s not in changed:
                raise SeriesError(f'{e}: staged {s} is the base\'s')
    missing = set(by_patches) - set(changed)
    if missing:
        raise SeriesError('patches/ change paths the overlay does not: ' +
                          ', '.join(sorted(missing)))
    return staged


# --------------------------------------------------------------------------
# Staged build files
# --------------------------------------------------------------------------

RULE = re.compile(r'^(obj-(?:\$\(CONFIG_(\w+)\)|y)|([\w-]+)-(?:y|objs))\s*'
                  r'[:+]?=\s*(.*)$')
KCONFIG_KEYWORD = re.compile(r'^(config|menuconfig|menu|endmenu|if|endif|'
                             r'source|comment|choice|endchoice)\b\s*"?'
                             r'([^"\s]*)')


def logical_lines(text):
    """Makefile lines with their continuations: [[physical lines]]."""
    out, cur = [], []
    for line in text.split('\n'):
        cur.append(line)
        if not line.endswith('\\'):
            out.append(cur)
            cur = []
    if cur:
        out.append(cur)
    return out


def stage_makefile(path, text, ready):
    """@text less the rules that name something not ready.  @ready(kind,
    path) says whether a source file or a directory's Makefile is there in
    its final form.  Returns (text, kept symbols, dropped symbols)."""
    here = os.path.dirname(path)
    lines = logical_lines(text)
    composite = {}
    for phys in lines:
        m = RULE.match(' '.join(p.rstrip('\\') for p in phys))
        if m and m.group(3):
            composite[m.group(3)] = m.group(4).split()

    def obj_ready(tok):
        if tok.endswith('/'):
            return ready('dir', os.path.join(here, tok))
        name = tok[:-2]
        if name in composite and tok not in composite[name]:
            return all(obj_ready(t) for t in composite[name])
        return any(ready('file', os.path.join(here, name + ext))
                   for ext in ('.c', '.S'))

    kept, dropped = set(), set()
    paragraphs, para = [], []
    for phys in lines:
        if not phys[0].strip():
            paragraphs.append(para)
            paragraphs.append([(phys, True)])
            para = []
            continue
        m = RULE.match(' '.join(p.rstrip('\\') for p in phys))
        ok = True
        if m:
            ok = all(obj_ready(t) for t in m.group(4).split())
            if m.group(2):
                (kept if ok else dropped).add(m.group(2))
        para.append((phys, ok if m else None))
    paragraphs.append(para)

    out = []
    for para in paragraphs:
        rules = [ok for _, ok in para if ok is not None]
        if rules and not any(rules):
            continue
        out += [line for phys, ok in para if ok is not False for line in phys]
    return squeeze(out), kept, dropped


def stage_kconfig(text, dropped, ready):
    """@text less the entries of @dropped symbols and the "source" lines
    of Kconfig files not ready.  An entry takes the comment lines right
    above it with it."""
    lines = text.split('\n')
    starts = []
    for i, line in enumerate(lines):
        if KCONFIG_KEYWORD.match(line):
            j = i
            while j > 0 and lines[j - 1].startswith('#'):
                j -= 1
            starts.append((j, i))
    out, pos = [], 0
    for n, (start, key) in enumerate(starts):
        end = starts[n + 1][0] if n + 1 < len(starts) else len(lines)
        out += lines[pos:start]
        m = KCONFIG_KEYWORD.match(lines[key])
        word, arg = m.group(1), m.group(2)
        drop = ((word in ('config', 'menuconfig') and arg in dropped) or
                (word == 'source' and not ready('file', arg)))
        if not drop:
            out += lines[start:end]
        pos = end
    out += lines[pos:]
    return squeeze(out)


def squeeze(lines):
    """Join lines, with no two blank lines in a row."""
    out = []
    for line in lines:
        if not line.strip() and out and not out[-1].strip():
            continue
        out.append(line)
    return '\n'.join(out)


def stage(git, claimed, final, current):
    """{path: text} of the claimed staged files for the tree @current."""
    def ready(kind, path):
        if kind == 'dir':
            mk = os.path.join(path.rstrip('/'), 'Makefile')
            return mk in claimed or (mk in final and
                                     current.get(mk) == final[mk])
        return path in claimed or (path in final and
                                   current.get(path) == final[path])

    texts, kept, dropped = {}, set(), set()
    for path in sorted(claimed):
        if os.path.basename(path) == 'Makefile':
            text, k, d = stage_makefile(path, git.blob(final[path][1]),
                                        ready)
            texts[path] = text
            kept |= k
            dropped |= d
    for path in sorted(claimed):
        if os.path.basename(path).startswith('Kconfig'):
            texts[path] = stage_kconfig(git.blob(final[path][1]),
                                        dropped - kept, ready)
    return texts


# --------------------------------------------------------------------------
# make
# --------------------------------------------------------------------------

def patch_message(path):
    """(subject, body) of a git format-patch file."""
    with tempfile.TemporaryDirectory() as tmp:
        msg = os.path.join(tmp, 'msg')
        with open(path) as f:
            info = subprocess.run(['git', 'mailinfo', msg,
                                   os.path.join(tmp, 'patch')],
                                  stdin=f, capture_output=True, text=True,
                                  check=True).stdout
        with open(msg) as f:
            body = f.read().strip('\n')
    subject = re.search(r'^Subject: (.*)$', info, re.M).group(1)
    return subject, body


def build_commits(git, base, final_tree, entries):
    """Commit the plan's entries on top of @base; the last commit's tree
    must be @final_tree.  Returns the tip."""
    final = git.entries(final_tree)
    base_files = git.entries(base)
    changed = {p: False for p in final if base_files.get(p) != final[p]}
    changed.update({p: True for p in base_files if p not in final})
    by_patches = set()
    for e in entries:
        if e.patch:
            e.path = patch_file(e.patch)
            out = subprocess.run(['git', 'apply', '--numstat', e.path],
                                 capture_output=True, text=True, check=True)
            by_patches |= {ln.split('\t')[-1] for ln in out.stdout.split('\n')
                           if ln}
    staged = claim(entries, changed, by_patches)

    index = os.path.join(git.gitdir, 'series.index')
    git.run('read-tree', base, index=index)
    parent, claimed = base, set()
    for e in entries:
        if e.patch:
            git.run('apply', '--cached', e.path, index=index)
            subject, body = patch_message(e.path)
        else:
            subject, body = e.subject, e.body + '\n\n' + SIGNED_OFF
            # --index-info: "mode blob<TAB>path"; mode 0 removes the path.
            info = ''.join(f'{final[p][0]} {final[p][1]}\t{p}\n'
                           if p in final else f'0 {"0" * 40}\t{p}\n'
                           for p in e.claimed)
            git.run('update-index', '--add', '--index-info', index=index,
                    data=info)
        claimed |= set(e.staged)
        if claimed:
            current = {}
            for item in git.run('ls-files', '-s', '-z', *sorted(
                    {os.path.dirname(p) for p in staged} | {'drivers/iommu'}),
                    index=index).split('\0'):
                if item:
                    meta, path = item.split('\t', 1)
                    mode, blob, _ = meta.split()
                    current[path] = (mode, blob)
            for path, text in stage(git, claimed, final, current).items():
                blob = git.run('hash-object', '-w', '--stdin',
                               data=text).strip()
                git.run('update-index', '--add', '--cacheinfo',
                        f'{final[path][0]},{blob},{path}', index=index)
        tree = git.run('write-tree', index=index).strip()
        if tree == git.tree_of(parent):
            raise SeriesError(f'{e}: the patch is empty')
        parent = git.run('commit-tree', tree, '-p', parent, '-m',
                         subject + '\n\n' + body).strip()
        e.commit = parent
    if git.tree_of(parent) != final_tree:
        diff = git.run('diff-tree', '-r', '--name-only', parent, final_tree)
        raise SeriesError('the series does not end at the overlaid tree: ' +
                          ' '.join(diff.split()[:8]))
    return parent


def cover_letter(path, build):
    """Fill the cover letter git format-patch wrote."""
    with open(COVER) as f:
        subject, _, blurb = f.read().partition('\n\n')
    extra = []
    check = os.path.join(build, 'last-check.txt')
    if os.path.isfile(check):
        with open(check) as f:
            extra.append('The last make check of this tree:\n\n' +
                         indent(f.read()))
    bench = os.path.join(build, 'bench', 'results.md')
    if os.path.isfile(bench):
        with open(bench) as f:
            lines = f.read().split('\n')
        title = lines[0].lstrip('# ')
        table = [ln for ln in lines if ln.startswith('|')]
        extra.append(f'The last make bench, {title}: ours against the '
                     'base kernel,\nsame configuration, same QEMU; '
                     'ours/base below 1 is better.\n\n' +
                     indent('\n'.join(table)))
    if not extra:
        extra.append('No make check or make bench results were there when '
                     'this series was made.')
    with open(path) as f:
        text = f.read()
    text = text.replace('*** SUBJECT HERE ***', subject.strip())
    text = text.replace('*** BLURB HERE ***',
                        blurb.strip('\n') + '\n\n' + '\n\n'.join(extra))
    with open(path, 'w') as f:
        f.write(text)


def indent(text):
    return '\n'.join('  ' + ln if ln else '' for ln in text.strip('\n')
                     .split('\n'))


def cmd_make(args):
    git, base = base_commit(args.build)
    final_tree = overlay_tree(git, args.build, base)
    entries = read_plan()
    tip = build_commits(git, base, final_tree, entries)
    git.run('update-ref', 'refs/heads/series', tip)
    os.makedirs(args.out, exist_ok=True)
    for name in os.listdir(args.out):
        if name.endswith('.patch'):
            os.unlink(os.path.join(args.out, name))
    git.run('format-patch', '-q', '-B', '--cover-letter', '--no-signature',
            f'--base={base}', '-o', args.out, f'{base}..{tip}')
    names = sorted(n for n in os.listdir(args.out) if n.endswith('.patch'))
    cover_letter(os.path.join(args.out, names[0]), args.build)
    print(f'  SERIES  {args.out}: {len(names) - 1} patches and a cover '
          'letter')
    return 0


# --------------------------------------------------------------------------
# check and each
# --------------------------------------------------------------------------

def series_patches(series):
    series = os.path.abspath(series)
    names = sorted(n for n in os.listdir(series) if n.endswith('.patch'))
    return [os.path.join(series, n) for n in names
            if not n.startswith('0000-')]


def am_tree(build, git, base):
    """A work tree at the base commit, as fresh as a new clone's, in
    BUILD/series-am: a clone sharing BUILD/series-git's objects, reset and
    cleaned, which rewrites only what the last use changed."""
    wt = os.path.join(os.path.abspath(build), 'series-am')

    def run(*args):
        return subprocess.run(['git', '-C', wt, *args],
                              capture_output=True, text=True)

    for attempt in range(2):
        if attempt or not os.path.isdir(os.path.join(wt, '.git')):
            subprocess.run(['rm', '-rf', wt], check=True)
            subprocess.run(['git', 'clone', '-q', '--shared',
                            '--no-checkout', git.gitdir, wt], check=True)
        run('am', '--abort')
        if all(run(*step).returncode == 0 for step in (
                ('fetch', '-q', git.gitdir, 'base'),
                ('checkout', '-q', '-f', '--detach', base),
                ('clean', '-q', '-f', '-d', '-x'))):
            return wt
    raise SeriesError(f'cannot set up {wt} at the base commit')


def result(out, ok, name, detail):
    out.write(f'{"PASS" if ok else "FAIL"} series.{name} {detail}\n')


def cmd_check(args):
    git, base = base_commit(args.build)
    final_tree = overlay_tree(git, args.build, base)
    patches = series_patches(args.series)
    with open(args.results, 'w') as out:
        wt = am_tree(args.build, git, base)
        env = dict(os.environ, GIT_COMMITTER_NAME=AUTHOR[0],
                   GIT_COMMITTER_EMAIL=AUTHOR[1])
        am = subprocess.run(['git', '-C', wt, 'am', '-q', *patches], env=env,
                            capture_output=True, text=True)
        if am.returncode:
            result(out, False, 'git_am', am.stdout.strip().split('\n')[0]
                   or am.stderr.strip().split('\n')[0])
        else:
            tree = subprocess.run(['git', '-C', wt, 'rev-parse',
                                   'HEAD^{tree}'], capture_output=True,
                                  text=True, check=True).stdout.strip()
            if tree == final_tree:
                result(out, True, 'git_am', f'{len(patches)} patches applied'
                       ' onto the base give the overlaid tree')
            else:
                diff = git.run('diff-tree', '-r', '--name-only', tree,
                               final_tree).split()
                result(out, False, 'git_am', 'applied, but differs from the '
                       f'overlaid tree in {len(diff)} paths: '
                       + ' '.join(diff[:5]))
            log = subprocess.run(['git', '-C', wt, 'log', '--format=%s%x00%b'
                                  '%x01', f'{base}..HEAD'],
                                 capture_output=True, text=True,
                                 check=True).stdout
            bad = [c.split('\0')[0].strip() for c in log.split('\1')
                   if c.strip() and SIGNED_OFF not in c]
            result(out, not bad, 'signed_off', 'every patch is signed off'
                   if not bad else 'not signed off: ' + '; '.join(bad))
            maintainers(wt, next((p for p in patches if 'MAINTAINERS' in
                                  os.path.basename(p)), patches[-1]), out)
        checkpatch(args.build, patches, out)
    return 0


def our_sections(patch):
    """[(name, [F: patterns])] of the MAINTAINERS entries @patch adds."""
    with open(patch) as f:
        added = [ln[1:] for ln in f.read().split('\n')
                 if ln.startswith('+') and not ln.startswith('+++')]
    found = []
    for line in added:
        if line and not re.match(r'^[A-Z]:\t', line):
            found.append((line, []))
        elif line.startswith('F:\t') and found:
            found[-1][1].append(line[3:])
    return found


def maintainers(tree, patch, out):
    """scripts/get_maintainer.pl on the applied tree names each entry the
    series adds to MAINTAINERS, for a file of each of its patterns."""
    sections = our_sections(patch)
    if not sections:
        result(out, False, 'maintainers', f'{os.path.basename(patch)} adds '
               'no MAINTAINERS entry')
        return
    bad, files = [], 0
    for name, patterns in sections:
        for pattern in patterns:
            match = sorted(glob.glob(os.path.join(tree, pattern.rstrip('/')
                                                  + ('/**' if pattern.endswith(
                                                      '/') else '')),
                                     recursive=True))
            match = [m for m in match if os.path.isfile(m)]
            if not match:
                bad.append(f'{name}: "{pattern}" matches no file')
                continue
            rel = os.path.relpath(match[0], tree)
            who = subprocess.run(['./scripts/get_maintainer.pl', '--no-git',
                                  '--no-git-fallback', '--sections', '-f',
                                  rel], cwd=tree, capture_output=True,
                                 text=True).stdout
            files += 1
            if name not in who.split('\n'):
                bad.append(f'{rel}: not given to "{name}"')
    result(out, not bad, 'maintainers', f'get_maintainer.pl names our '
           f'{len(sections)} entries for {files} files, one a pattern'
           if not bad else '; '.join(bad[:4]))


def checkpatch(build, patches, out):
    """scripts/checkpatch.pl --strict over every patch, one result each.
    A patch is the same bytes as long as its files are (one date for all
    commits), so what checkpatch said of it is kept by the patch's hash:
    after a change to one file, one or two patches are read again."""
    script = os.path.join(build, 'base-src', 'scripts', 'checkpatch.pl')
    cache_path = os.path.join(build, 'series-git', 'checkpatch.json')
    try:
        with open(cache_path) as f:
            cache = json.load(f)
    except (OSError, ValueError):
        cache = {}
    seen = {}
    for path in patches:
        name = os.path.basename(path)[:4]
        with open(path, 'rb') as f:
            key = hashlib.sha1(f.read() + CHECKPATCH_IGNORE.encode()) \
                .hexdigest()
        if key not in cache:
            done = subprocess.run([script, '--strict', '--no-tree',
                                   '--quiet', '--show-types', '--ignore',
                                   CHECKPATCH_IGNORE, path],
                                  capture_output=True, text=True)
            if done.returncode and not done.stdout:
                result(out, False, f'checkpatch.{name}', 'checkpatch failed: '
                       + done.stderr.strip()[:200])
                continue
            cache[key] = done.stdout
        seen[key] = cache[key]
        found = drop_known(seen[key])
        counts = re.findall(r'^(ERROR|WARNING|CHECK):', found, re.M)
        if counts:
            first = re.search(r'^(?:ERROR|WARNING|CHECK):.*(?:\n.*){0,2}',
                              found, re.M).group(0).replace('\n', ' | ')
            result(out, False, f'checkpatch.{name}',
                   f'{len(counts)} findings; the first: {first}')
        else:
            result(out, True, f'checkpatch.{name}', 'no findings')
    with open(cache_path, 'w') as f:
        json.dump(seen, f)


def drop_known(text):
    """checkpatch's output less its total line and the finding
    checkpatch-known.awk says is checkpatch's mistake (the one lint.sh
    drops too)."""
    return subprocess.run(['awk', '-f', os.path.join(HERE,
                                                     'checkpatch-known.awk')],
                          input=text, capture_output=True, text=True,
                          check=True).stdout.strip('\n')


def cmd_each(args):
    """Build the test configuration after every patch, in BUILD/obj-series
    from BUILD/series-am, one result a patch."""
    git, base = base_commit(args.build)
    wt = am_tree(args.build, git, base)
    patches = series_patches(args.series)
    env = dict(os.environ, GIT_COMMITTER_NAME=AUTHOR[0],
               GIT_COMMITTER_EMAIL=AUTHOR[1])
    subprocess.run(['git', '-C', wt, 'am', '-q', *patches], env=env,
                   check=True, capture_output=True)
    commits = subprocess.run(['git', '-C', wt, 'rev-list', '--reverse',
                              f'{base}..HEAD'], capture_output=True,
                             text=True, check=True).stdout.split()
    obj = os.path.join(args.build, 'obj-series')
    fragments = [os.path.join(HERE, 'iommu-qemu.config'),
                 os.path.join(HERE, 'iommu-debug.config')]
    kmake = ['make', '-s', '-C', wt, f'O={obj}', 'ARCH=arm64',
             'CROSS_COMPILE=aarch64-linux-gnu-',
             'CC=ccache aarch64-linux-gnu-gcc',
             'KBUILD_BUILD_USER=kbuild', 'KBUILD_BUILD_HOST=qemu',
             'KBUILD_BUILD_TIMESTAMP=2026-01-01']
    failed = 0
    with open(args.results, 'w') as out:
        for n, commit in enumerate(commits, 1):
            subject = subprocess.run(['git', '-C', wt, 'log', '-1',
                                      '--format=%s', commit],
                                     capture_output=True, text=True,
                                     check=True).stdout.strip()
            subprocess.run(['git', '-C', wt, 'checkout', '-q', '-f',
                            '--detach', commit], check=True)
            start = time.time()
            # Each patch's own configuration: what it offers of the
            # fragments; the fully applied series' is checked strictly
            # by make series-check's boot.
            steps = [[os.path.join(HERE, 'kconfig.sh'), wt, obj, '--offered',
                      *fragments],
                     kmake + [f'-j{args.jobs}', 'Image', 'modules']]
            log = os.path.join(args.build, f'series-build-{n:02d}.log')
            ok = True
            with open(log, 'w') as f:
                for step in steps:
                    if subprocess.run(step, stdout=f, stderr=subprocess.STDOUT,
                                      cwd=wt).returncode:
                        ok = False
                        break
            took = time.time() - start
            why = f'see {log}'
            if ok:
                built, unbuilt = compiled(wt, obj, commit)
                ok = not [c for c in unbuilt if c.startswith('drivers/iommu/')]
                why = (f'compiled {len(built)} of its {len(built) + len(unbuilt)}'
                       ' kernel C files' + (': not ' + ', '.join(unbuilt)
                                            if unbuilt else ''))
            result(out, ok, f'build.{n:02d}', f'{subject} ({took:.0f} s; '
                   f'{why})')
            out.flush()
            print(f'  SERIES  {n:02d}/{len(commits)} '
                  f'{"built" if ok else "FAILED"} in {took:.0f} s: {subject}',
                  flush=True)
            if ok and args.boot:
                ok = boot(args.build, obj, n, out)
            failed += not ok
    return 1 if failed else 0


def boot(build, obj, n, out):
    """make run's boot of the kernel just built: the six disks verified by
    DMA, the console free of kernel reports.  Before the SMMUv3 driver's
    patch the kernel has no IOMMU driver, so no IOMMU group is required;
    the result says how many there were."""
    log = os.path.join(build, f'series-boot-{n:02d}.log')
    with open(log, 'w') as f:
        done = subprocess.run([sys.executable, os.path.join(HERE, 'harness.py'),
                               '--build', build, 'run', '--image',
                               os.path.join(obj, 'arch/arm64/boot/Image'),
                               '--timeout', '300', '--append',
                               'groups=optional'], stdout=f,
                              stderr=subprocess.STDOUT)
    with open(log) as f:
        lines = f.read().split('\n')
    groups = sum(1 for ln in lines if re.match(r'^\s+group \d+: ', ln))
    last = next((ln for ln in reversed(lines) if ln.startswith('make run:')),
                f'no verdict, see {log}')
    ok = done.returncode == 0
    result(out, ok, f'boot.{n:02d}', f'{groups} IOMMU groups; '
           + last.removeprefix('make run: '))
    out.flush()
    print(f'  SERIES  {n:02d} booted: {groups} IOMMU groups; '
          + last.removeprefix('make run: '), flush=True)
    return ok


def compiled(wt, obj, commit):
    """(built, not built): the C files under drivers/ that @commit adds or
    changes, by whether the build that just ran compiled them (an object
    newer than the source, which the checkout of @commit rewrote).  A patch
    to the subsystem must compile what it adds: the staged build files
    leave out only what is not there yet."""
    names = subprocess.run(['git', '-C', wt, 'diff', '--name-only',
                            '--diff-filter=AM', f'{commit}^', commit, '--',
                            'drivers/*.c'], capture_output=True, text=True,
                           check=True).stdout.split()
    built, unbuilt = [], []
    for name in names:
        o = os.path.join(obj, name[:-2] + '.o')
        fresh = (os.path.isfile(o) and os.path.getmtime(o) >=
                 os.path.getmtime(os.path.join(wt, name)))
        (built if fresh else unbuilt).append(name)
    return built, unbuilt


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest='cmd', required=True)
    p = sub.add_parser('make')
    p.add_argument('build')
    p.add_argument('out')
    p.set_defaults(func=cmd_make)
    p = sub.add_parser('check')
    p.add_argument('build')
    p.add_argument('series')
    p.add_argument('results')
    p.set_defaults(func=cmd_check)
    p = sub.add_parser('each')
    p.add_argument('build')
    p.add_argument('series')
    p.add_argument('results')
    p.add_argument('--jobs', type=int, default=3)
    p.add_argument('--boot', action='store_true',
                   help='also boot each kernel as make run does')
    p.set_defaults(func=cmd_each)
    args = ap.parse_args()
    args.build = os.path.abspath(args.build)
    try:
        return args.func(args)
    except SeriesError as err:
        print(f'series: {err}', file=sys.stderr)
        return 1


if __name__ == '__main__':
    sys.exit(main())
