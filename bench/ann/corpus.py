#!/usr/bin/env python3
"""Sentences of Debian's Python and PostgreSQL HTML documentation, for bench/ann on real text.

Strips tags (and the contents of <script>, <style> and <pre>: code is not prose), splits into
sentences, keeps sentences of 5-60 words, dedupes (case-insensitively, whitespace collapsed),
shuffles with a fixed seed and writes `base.txt` (the first --n) and `queries.txt` (the next
--nq), one sentence per line.

Usage: bench/ann/corpus.py --out bench/ann/data-real [--n 100000] [--nq 1000]
"""
import argparse
import html
import html.parser
import os
import random
import re

ROOTS = ["/usr/share/doc/python3.11/html", "/usr/share/doc/postgresql-doc-15/html"]
SKIP = {"script", "style", "pre"}
# Ends a block; the HTML source's own line breaks are just whitespace inside a paragraph.
BREAK = "\x00"


class TextOf(html.parser.HTMLParser):
    """Collects visible text; block-level tags end a run so headings do not glue onto text."""
    BLOCKS = {"p", "div", "li", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6", "dt", "dd",
              "tr", "br", "title", "table", "section", "blockquote"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts, self.skipping = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in SKIP:
            self.skipping += 1
        elif tag in self.BLOCKS:
            self.parts.append(BREAK)

    def handle_endtag(self, tag):
        if tag in SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag in self.BLOCKS:
            self.parts.append(BREAK)

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(data)


SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(\"'])")


def sentences(path):
    parser = TextOf()
    with open(path, encoding="utf-8", errors="replace") as f:
        parser.feed(f.read())
    for block in "".join(parser.parts).split(BREAK):
        block = " ".join(block.split())
        for sentence in SENTENCE_END.split(block):
            words = sentence.split()
            if 5 <= len(words) <= 60:
                yield " ".join(words)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--out", required=True)
    p.add_argument("--n", type=int, default=100_000)
    p.add_argument("--nq", type=int, default=1_000)
    args = p.parse_args()
    seen, corpus = set(), []
    for root in ROOTS:
        for directory, _, files in sorted(os.walk(root)):
            for name in sorted(files):
                if not name.endswith(".html"):
                    continue
                for sentence in sentences(os.path.join(directory, name)):
                    key = sentence.lower()
                    if key not in seen:
                        seen.add(key)
                        corpus.append(sentence)
    print(f"{len(corpus)} distinct sentences of 5-60 words")
    if len(corpus) < args.n + args.nq:
        raise SystemExit(f"need {args.n + args.nq}, have {len(corpus)}")
    random.Random(1).shuffle(corpus)
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "base.txt"), "w") as f:
        f.write("\n".join(corpus[:args.n]) + "\n")
    with open(os.path.join(args.out, "queries.txt"), "w") as f:
        f.write("\n".join(corpus[args.n:args.n + args.nq]) + "\n")


if __name__ == "__main__":
    main()
