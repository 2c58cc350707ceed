"""The documentation's links: every relative link of the README, the
guides and the config pages names a file of the repository, and a link
to a heading names one that exists (GitHub's anchors)."""
import functools
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PAGES = sorted([REPO / 'README.md', *(REPO / 'docs').rglob('*.md'),
                *(REPO / 'configs').rglob('README.md')])
# [text](target) outside code; images too.
LINK = re.compile(r'\[[^\]]*\]\(([^)\s]+)\)')
FENCE = re.compile(r'^(```|~~~)')


def prose(path: Path) -> list:
    """The lines of a page outside its fenced code blocks."""
    lines, fenced = [], False
    for line in path.read_text(encoding='utf-8').splitlines():
        if FENCE.match(line.strip()):
            fenced = not fenced
        elif not fenced:
            lines.append(line)
    return lines


@functools.lru_cache(maxsize=None)
def anchors(path: Path) -> set:
    """GitHub's anchors of a page's headings: lower case, punctuation
    other than '-' and '_' dropped, spaces made '-', repeats numbered."""
    found, seen = set(), {}
    for line in prose(path):
        heading = re.match(r'#{1,6}\s+(.*)', line)
        if not heading:
            continue
        slug = re.sub(r'[^\w\- ]', '', heading.group(1).strip().lower())
        slug = slug.replace(' ', '-')
        n = seen.get(slug, 0)
        seen[slug] = n + 1
        found.add(slug if n == 0 else f'{slug}-{n}')
    return found


def test_pages_are_found():
    names = {p.relative_to(REPO).as_posix() for p in PAGES}
    assert {'README.md', 'configs/unetpp/README.md',
            'docs/en/advanced_guides/benchmarks.md'} <= names


def test_anchors_follow_github():
    page = REPO / 'docs' / 'en' / 'advanced_guides' / 'benchmarks.md'
    assert 'is-unet-faster-than-the-stock-decoders' in anchors(page)
    assert 'how-does-unet-do-on-chase_db1' in anchors(page)


def broken_links(page: Path) -> list:
    """The relative links of a page whose file or heading is missing."""
    broken = []
    for line in prose(page):
        for target in LINK.findall(line):
            if re.match(r'[a-z]+:', target):  # https:, mailto:
                continue
            path, _, anchor = target.partition('#')
            file = (page.parent / path).resolve() if path else page
            if not file.exists():
                broken.append(target)
            elif anchor and file.suffix == '.md' and \
                    anchor not in anchors(file):
                broken.append(target)
    return broken


def test_broken_links_are_found(tmp_path):
    (tmp_path / 'b.md').write_text('# A heading, with `code`\n')
    page = tmp_path / 'a.md'
    page.write_text('[ok](b.md#a-heading-with-code) [gone](c.md) '
                    '[no heading](b.md#other) [web](https://x.org/c.md)\n'
                    '```\n[in code](d.md)\n```\n')
    assert broken_links(page) == ['c.md', 'b.md#other']


@pytest.mark.parametrize('page', PAGES,
                         ids=[p.relative_to(REPO).as_posix() for p in PAGES])
def test_relative_links_resolve(page):
    broken = broken_links(page)
    assert not broken, f'{page.relative_to(REPO)}: {broken}'
