#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# check-potfiles.py SRCDIR — the po-check test (suite 'data').
#
# Fails when
#  - a file under src/app/ with translatable strings (_(" C_(" N_(" NC_(" Q_("
#    g_dngettext( ngettext( g_dpgettext2(, or translatable="yes" in a .ui file) is missing
#    from po/POTFILES.in;
#  - a desktop entry, metainfo or schema template under data/ is missing;
#  - POTFILES.in names a file that does not exist, or is not sorted;
#  - po/LINGUAS names a language without a .po file, or the reverse;
#  - a .po file fails `msgfmt --check`, declares the wrong number of plural
#    forms, or has fuzzy or untranslated entries.

import os
import re
import subprocess
import sys

MARKERS = re.compile(r'(?<![A-Za-z0-9_])(?:_|C_|N_|NC_|Q_)\s*\(\s*"'
                     r'|(?<![A-Za-z0-9_])(?:g_dngettext|ngettext|dngettext|g_dpgettext2?)\s*\('
                     r'|translatable\s*=\s*"(?:yes|true|1)"')
# The number of plural forms each language has (GNU gettext manual, "Plural forms").
NPLURALS = {'uk': 3, 'zh_CN': 1, 'ru': 3, 'pl': 3, 'de': 2, 'fr': 2, 'es': 2, 'ja': 1}
DATA_SUFFIXES = ('.desktop.in', '.desktop.in.in',
                 '.metainfo.xml.in', '.metainfo.xml.in.in',
                 '.gschema.xml')


def main():
    srcdir = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else
                             os.path.join(os.path.dirname(__file__), '..', '..'))
    podir = os.path.join(srcdir, 'po')
    problems = []

    with open(os.path.join(podir, 'POTFILES.in'), encoding='utf-8') as f:
        listed_lines = [line.strip() for line in f]
    listed_lines = [line for line in listed_lines if line and not line.startswith('#')]
    listed = set(listed_lines)

    for path in listed_lines:
        if not os.path.isfile(os.path.join(srcdir, path)):
            problems.append(f'POTFILES.in lists {path}, which does not exist')
    if listed_lines != sorted(listed_lines):
        problems.append('POTFILES.in is not sorted')

    wanted = []
    appdir = os.path.join(srcdir, 'src', 'app')
    for root, dirs, files in os.walk(appdir):
        dirs.sort()
        for name in sorted(files):
            if not name.endswith(('.c', '.h', '.ui')):
                continue
            path = os.path.join(root, name)
            with open(path, encoding='utf-8', errors='replace') as f:
                if MARKERS.search(f.read()):
                    wanted.append(os.path.relpath(path, srcdir))
    datadir = os.path.join(srcdir, 'data')
    if os.path.isdir(datadir):
        for name in sorted(os.listdir(datadir)):
            if name.endswith(DATA_SUFFIXES):
                wanted.append(os.path.join('data', name))

    for path in wanted:
        if path not in listed:
            problems.append(f'{path} has translatable strings but is missing from po/POTFILES.in')

    with open(os.path.join(podir, 'LINGUAS'), encoding='utf-8') as f:
        linguas = [w for line in f if not line.startswith('#') for w in line.split()]
    po_files = sorted(n[:-3] for n in os.listdir(podir) if n.endswith('.po'))
    for lang in linguas:
        if lang not in po_files:
            problems.append(f'LINGUAS names {lang} but po/{lang}.po does not exist')
    for lang in po_files:
        if lang not in linguas:
            problems.append(f'po/{lang}.po exists but LINGUAS does not name {lang}')

    for lang in po_files:
        po = os.path.join(podir, lang + '.po')
        result = subprocess.run(['msgfmt', '--check', '--statistics', '-o', os.devnull, po],
                                capture_output=True, text=True,
                                env=dict(os.environ, LC_ALL='C'))
        if result.returncode != 0:
            problems.append(f'msgfmt --check po/{lang}.po failed:\n{result.stderr.strip()}')
        elif not re.search(r'"Plural-Forms: nplurals=%d;' % NPLURALS.get(lang, 0),
                           open(po, encoding='utf-8').read()) and lang in NPLURALS:
            problems.append(f'po/{lang}.po does not declare nplurals={NPLURALS[lang]}')
        elif 'fuzzy' in result.stderr or 'untranslated' in result.stderr:
            problems.append(f'po/{lang}.po is incomplete: {result.stderr.strip()}')
        else:
            print(f'po/{lang}.po: {result.stderr.strip()}')

    for problem in problems:
        print('error:', problem, file=sys.stderr)
    if not problems:
        print(f'{len(wanted)} files with translatable strings, all in POTFILES.in')
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
