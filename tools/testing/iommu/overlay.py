#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Lay the project's files over a pristine Linux tree.

The overlaid tree starts as a full copy of the base kernel.  After that only
the paths that the project touches are looked at:

  * every file of ours replaces the base's file of the same path, or is added;
  * a directory listed in OWNED (tools/testing/iommu/owned-dirs) is ours
    outright: base files in it that we do not ship are removed, except
    under a subdirectory listed there as "keep DIR", which stays the
    base's (a consumer of the subsystem built with it, such as iommufd);
  * a file we shipped last time but no longer ship gets the base's version
    back (or goes, if the base has none);
  * base files that code outside our subsystem needs changed (selftest
    infrastructure, later the subsystem's consumers) are changed by the
    patches in patches/, in git format-patch form, applied in name order
    to the base's files; the patched file is laid over like one of ours.

A file is rewritten only when its content differs, and a rewritten file gets
the current time as its mtime, so Kbuild rebuilds exactly what depends on
what changed, also when a file goes back to the base's older version.
"""

import argparse
import filecmp
import os
import shutil
import subprocess
import sys
import tempfile

MANIFEST = '.iommu-overlay-manifest'

# Project files at the root of the repository that are not kernel files.
NOT_OVERLAID = ('Makefile', 'README.md', '.gitignore')
NOT_OVERLAID_DIRS = ('.ci/', 'build/', '.git/', 'patches/')
PATCHES = 'patches'



def our_files(repo):
    """Files of ours, relative to the repository root."""
    try:
        out = subprocess.run(['git', '-C', repo, 'ls-files', '-z', '--cached',
                              '--others', '--exclude-standard'],
                             check=True, capture_output=True).stdout
        names = [n for n in out.decode().split('\0') if n]
    except (OSError, subprocess.CalledProcessError):
        names = []
        for top, dirs, files in os.walk(repo):
            dirs[:] = [d for d in dirs if d not in ('.git', 'build')]
            names += [os.path.relpath(os.path.join(top, f), repo) for f in files]
    keep = set()
    for n in names:
        if n in NOT_OVERLAID or n.startswith(NOT_OVERLAID_DIRS):
            continue
        if os.path.isfile(os.path.join(repo, n)):   # tracked but deleted
            keep.add(n)
    return keep


def owned_dirs(repo):
    """(owned, kept): the directories we own outright, and those inside
    them that stay the base's.  Both end in "/"."""
    path = os.path.join(repo, 'tools/testing/iommu/owned-dirs')
    owned, kept = set(), set()
    try:
        with open(path) as f:
            lines = f.readlines()
    except FileNotFoundError:
        lines = []
    for line in lines:
        words = line.split('#', 1)[0].split()
        if len(words) == 2 and words[0] == 'keep':
            kept.add(words[1].rstrip('/') + '/')
        elif len(words) == 1:
            owned.add(words[0].rstrip('/') + '/')
    return owned, kept


def files_under(root, d):
    found = set()
    for top, _, files in os.walk(os.path.join(root, d)):
        found.update(os.path.relpath(os.path.join(top, f), root) for f in files)
    return found


def read_manifest(dest):
    files, dirs = set(), set()
    try:
        with open(os.path.join(dest, MANIFEST)) as f:
            for line in f:
                kind, _, name = line.rstrip('\n').partition(' ')
                (dirs if kind == 'dir' else files).add(name)
    except FileNotFoundError:
        pass
    return files, dirs


def patched_files(base, repo, work):
    """Apply the repository's patches to copies of the base's files in
    @work; {path: patched copy} of every file they change.

    Raises RuntimeError if a patch does not apply.
    """
    pdir = os.path.abspath(os.path.join(repo, PATCHES))
    if not os.path.isdir(pdir):
        return {}
    names = set()
    for patch in sorted(os.listdir(pdir)):
        if not patch.endswith('.patch'):
            continue
        path = os.path.join(pdir, patch)
        touched = subprocess.run(['git', 'apply', '--numstat', path],
                                 cwd=work, capture_output=True, text=True)
        for line in touched.stdout.splitlines():
            name = line.split('\t')[-1]
            names.add(name)
            src, dst = os.path.join(base, name), os.path.join(work, name)
            if os.path.isfile(src) and not os.path.exists(dst):
                os.makedirs(os.path.dirname(dst), exist_ok=True)
                shutil.copyfile(src, dst)
        done = subprocess.run(['git', 'apply', path], cwd=work,
                              capture_output=True, text=True)
        if done.returncode:
            raise RuntimeError(f'{patch} does not apply to the base: '
                               f'{done.stderr.strip()}')
    return {n: os.path.join(work, n) for n in names
            if os.path.isfile(os.path.join(work, n))}


def place(src, dest_path):
    """Copy src to dest_path unless it is already there; True if copied."""
    if os.path.isfile(dest_path) and filecmp.cmp(src, dest_path, shallow=False):
        return False
    os.makedirs(os.path.dirname(dest_path), exist_ok=True)
    if os.path.lexists(dest_path):
        os.unlink(dest_path)
    shutil.copyfile(src, dest_path)         # new file, new mtime
    shutil.copymode(src, dest_path)
    return True


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('base', help='pristine base kernel tree')
    ap.add_argument('repo', help='the project repository')
    ap.add_argument('dest', help='overlaid tree to create or update')
    args = ap.parse_args()

    if not os.path.isfile(os.path.join(args.dest, MANIFEST)):
        print(f'  OVERLAY copying the base tree to {args.dest}', flush=True)
        if os.path.exists(args.dest):
            shutil.rmtree(args.dest)
        subprocess.run(['cp', '-a', args.base, args.dest], check=True)

    ours = our_files(args.repo)
    owned, kept = owned_dirs(args.repo)
    old_files, old_owned = read_manifest(args.dest)
    work = tempfile.TemporaryDirectory(prefix='iommu-patches-')
    try:
        patched = patched_files(args.base, args.repo, work.name)
    except RuntimeError as err:
        print(f'overlay: {err}', file=sys.stderr)
        return 1
    clash = sorted(set(patched) & set(ours))
    if clash:
        print(f'overlay: patches change files of ours: {", ".join(clash)}',
              file=sys.stderr)
        return 1

    def is_owned(name):
        return (any(name.startswith(d) for d in owned) and
                not any(name.startswith(k) for k in kept))

    touched = set(ours) | set(patched) | old_files
    for d in owned:
        touched |= files_under(args.dest, d)
    for k in kept:
        touched |= files_under(args.base, k)
    for d in old_owned - owned:
        touched |= files_under(args.base, d)

    changed = removed = 0
    for name in sorted(touched):
        dest_path = os.path.join(args.dest, name)
        if name in ours:
            src = os.path.join(args.repo, name)
        elif name in patched:
            src = patched[name]
        elif not is_owned(name) and os.path.isfile(os.path.join(args.base, name)):
            src = os.path.join(args.base, name)
        else:
            src = None
        if src is None:
            if os.path.lexists(dest_path):
                os.unlink(dest_path)
                removed += 1
        elif place(src, dest_path):
            changed += 1

    # Directories of an owned tree that removal left empty go too, so the
    # tree holds nothing of the base's, not even its folder names.
    for d in owned:
        top = os.path.join(args.dest, d)
        for root, dirs, files in os.walk(top, topdown=False):
            if root != top and not os.listdir(root):
                os.rmdir(root)

    # Rewritten only when it changes: make check's series step reads it
    # while the kernel build runs the overlay again.
    manifest = ''.join([f'dir {d}\n' for d in sorted(owned)] +
                       [f'file {n}\n' for n in sorted(set(ours) |
                                                      set(patched))])
    path = os.path.join(args.dest, MANIFEST)
    try:
        with open(path) as f:
            same = f.read() == manifest
    except FileNotFoundError:
        same = False
    if not same:
        with open(path + '.new', 'w') as f:
            f.write(manifest)
        os.replace(path + '.new', path)
    work.cleanup()
    print(f'  OVERLAY {len(ours)} files of ours, {len(patched)} patched, '
          f'{changed} updated, {removed} removed, {len(owned)} owned '
          'directories')
    return 0


if __name__ == '__main__':
    sys.exit(main())
