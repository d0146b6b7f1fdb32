#!/usr/bin/env python3
"""Finds modules of one crate that import each other, directly or through others.

Usage: check-cycles.py CRATE/src. A module imports another when it names it (`crate::a::b`,
`super::x`, `use super::*`, or a parent naming its child `child::…`); test modules are left out.
The crate root (lib.rs, main.rs) is the crate's table of contents: it declares, re-exports and
opens its modules, which may use what it defines, so what the root names is not counted.
Prints each circle with the imports that make it and exits 1 when there is one."""
import os, re, sys
root = sys.argv[1]
mods = {}
for dp, _, fs in os.walk(root):
    for f in fs:
        if not f.endswith('.rs'): continue
        p = os.path.join(dp, f); rel = os.path.relpath(p, root)[:-3].split(os.sep)
        if rel[-1] in ('mod', 'lib', 'main'): rel = rel[:-1]
        mods['::'.join(rel)] = open(p).read()
def resolve(path):
    parts = path.split('::')
    for i in range(len(parts), 0, -1):
        m = '::'.join(parts[:i])
        if m in mods: return m
    return None
edges = {m: set() for m in mods}
for m, src in mods.items():
    src = re.sub(r'//.*', '', src)
    # #[cfg(test)] mod tests blocks are ignored roughly: cut from '#[cfg(test)]\nmod tests' to end
    src = re.split(r'#\[cfg\(test\)\]\s*mod tests', src)[0]
    me = m.split('::') if m else []
    named = re.findall(r'crate::([A-Za-z_][A-Za-z0-9_]*(?:::[A-Za-z_][A-Za-z0-9_]*)*)', src)
    for group in re.findall(r'crate::\{([^}]*)\}', src):  # use crate::{a::B, c}
        named += [n.strip().split(' ')[0] for n in group.split(',') if n.strip()]
    for g in named:
        t = resolve(g)
        if t is None: t = ''  # an item of the crate's root (`crate::AppState`)
        if t != m: edges[m].add(t)
    supers = re.findall(r'((?:super::)+)([A-Za-z_*][A-Za-z0-9_]*(?:::[A-Za-z_][A-Za-z0-9_]*)*)?', src)
    for ups, group in re.findall(r'((?:super::)+)\{([^}]*)\}', src):  # use super::{a::B, c}
        supers += [(ups, n.strip().split(' ')[0]) for n in group.split(',') if n.strip()]
    for g in supers:
        up = g[0].count('super::'); base = me[:len(me)-up]
        rest = g[1] if g[1] and g[1] != '*' else ''
        t = resolve('::'.join(base + ([*rest.split('::')] if rest else []))) if (base or rest) else ''
        if t is None: t = '::'.join(base)
        if t != m: edges[m].add(t)
    for c in re.findall(r'^\s*(?:pub(?:\([a-z]+\))?\s+)?mod ([a-z_]+);', src, re.M):
        child = (m + '::' if m else '') + c
        # the parent imports the child only if it names it beyond declaring it
        if re.search(r'\b' + c + r'::', src) or re.search(r'use\s+' + c + r'\b', src) or re.search(r'\bself::' + c, src):
            edges[m].add(child)
only = set(sys.argv[2:])
# Tarjan
idx = {}; low = {}; st = []; on = set(); out = []; n = [0]
sys.setrecursionlimit(10000)
def sc(v):
    idx[v] = low[v] = n[0]; n[0] += 1; st.append(v); on.add(v)
    for w in edges.get(v, ()):
        if w not in mods: continue
        if w not in idx: sc(w); low[v] = min(low[v], low[w])
        elif w in on: low[v] = min(low[v], idx[w])
    if low[v] == idx[v]:
        comp = []
        while True:
            w = st.pop(); on.discard(w); comp.append(w)
            if w == v: break
        if len(comp) > 1: out.append(sorted(comp))
edges[''] = set()
for v in mods:
    if v not in idx: sc(v)
for c in out:
    print(f'check-cycles: {root}: modules that import each other:', ', '.join(x or '<root>' for x in c))
    for a in c:
        for b in sorted(edges[a]):
            if b in c: print('   ', a or '<root>', '->', b or '<root>')
sys.exit(1 if out else 0)
